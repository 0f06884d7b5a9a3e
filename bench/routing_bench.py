"""Routing benchmark: 10,000 new tickets (default) through 50 rules and the triage classifier.

In a throwaway data folder on the embedded SQLite: migrates, seeds the demo cast (organizations,
contacts, skill groups, engineers) and the demo's routing (rules, assignment modes, shifts),
adds rules up to 50, writes solved tickets to train the triage model on when the triage app
offers `triage_train`, then writes the new tickets with realistic subjects and first messages
in English, Japanese and Russian. Routes them with `tickets_route` in batches (one prediction
call per batch, bulk writes), then a further sample one at a time through `ticket_route` (the
path a ticket takes as it is opened). Prints a table, writes bench/results/routing.json.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import benchlib

# A fixed moment (a Wednesday morning in Europe), so the same engineers are on shift every run.
CLOCK = datetime(2024, 6, 5, 9, 30, tzinfo=UTC)
TARGET_PER_SECOND = 1_000
CHANNELS = (("portal", 40), ("email", 35), ("chat", 10), ("api", 10), ("phone", 5))
AREAS = (
    "query_engine",
    "ingestion",
    "integrations",
    "dashboards",
    "api",
    "administration",
    "billing",
    "security",
)
LANGUAGE_NAMES = {"en": "English", "ja": "Japanese", "ru": "Russian"}
# (name, words, actions): the keyword rules a desk grows over the years.
KEYWORD_RULES = (
    ("Timeouts", ["timeout", "timed out", "タイムアウト", "таймаут"], {"add_tags": ["timeout"]}),
    (
        "Memory errors",
        ["outofmemoryerror", "out of memory", "oom", "メモリ不足", "памяти"],
        {"add_tags": ["memory"]},
    ),
    (
        "Sign-in and SSO",
        ["sso", "saml", "okta", "login", "ログイン", "вход"],
        {"product_area": "administration", "add_tags": ["sso"]},
    ),
    (
        "Streaming connectors",
        ["kafka", "connector", "コネクタ", "коннектор"],
        {"product_area": "ingestion"},
    ),
    (
        "Dashboards",
        ["dashboard", "chart", "ダッシュボード", "дашборд"],
        {"add_tags": ["dashboards"]},
    ),
    ("API tokens", ["api token", "sdk", "401", "トークン", "токен"], {"add_tags": ["api"]}),
    ("Upgrades", ["upgrade", "アップグレード", "обновления"], {"add_tags": ["upgrade"]}),
    (
        "Data loss",
        ["data loss", "missing rows", "データ欠損", "потеря данных"],
        {"priority": "urgent", "add_tags": ["data_loss"]},
    ),
    ("Slow queries", ["slow", "performance", "遅い", "медленно"], {"add_tags": ["performance"]}),
    ("Exports", ["export", "csv", "エクスポート", "экспорт"], {"add_tags": ["export"]}),
    (
        "Permissions",
        ["permission", "role", "権限", "права"],
        {"product_area": "administration", "add_tags": ["permissions"]},
    ),
    ("Backups", ["backup", "restore", "バックアップ", "бэкап"], {"add_tags": ["backup"]}),
    (
        "Certificates",
        ["certificate", "tls", "ssl", "証明書", "сертификат"],
        {"product_area": "security", "add_tags": ["tls"]},
    ),
    ("Webhooks", ["webhook", "callback"], {"product_area": "integrations"}),
    ("Invoices", ["invoice", "請求書", "счёт"], {"product_area": "billing"}),
)


def setup_django(data_dir: Path) -> None:
    for name in ("TIERDESK_DATABASE_URL", "TIERDESK_REDIS_URL"):
        os.environ.pop(name, None)
    os.environ["TIERDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("TIERDESK_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tierdesk.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def add_rules(admin, total: int) -> int:
    """The demo's rules, then language and product-area watch rules and keyword rules up to
    `total`, at the end of the order."""
    from tierdesk.routing.models import RoutingRule
    from tierdesk.routing.services import routing_rule_create

    specs = [
        (
            f"{LANGUAGE_NAMES[lang]} {area.replace('_', ' ')} requests",
            {"language": [lang], "product_area": [area]},
            {"add_tags": [f"{area}_{lang}"]},
        )
        for area in AREAS
        for lang in LANGUAGE_NAMES
    ] + [(name, {"keywords": words}, actions) for name, words, actions in KEYWORD_RULES]
    rng = random.Random(7)
    rng.shuffle(specs)
    for name, conditions, actions in specs[: max(0, total - RoutingRule.objects.count())]:
        routing_rule_create(actor=admin, name=name, conditions=conditions, actions=actions)
    return RoutingRule.objects.count()


class Fill(dict):
    """Template values of one ticket: names up front, product details drawn on first use."""

    def __init__(self, rng: random.Random, base: dict[str, str], values: dict) -> None:
        super().__init__(base)
        self.rng, self.values = rng, values

    def __missing__(self, key: str) -> str:
        value = self.rng.choice(self.values[key]) if key in self.values else ""
        self[key] = value
        return value


def write_tickets(cast, count: int, rng: random.Random, *, solved: bool = False) -> list[int]:
    """`count` tickets with their first message, as channels deliver them (bulk inserts; the
    point is what routing costs, not what opening does)."""
    from django.utils import timezone

    from tierdesk.demo import content
    from tierdesk.tickets.models import Message, Ticket

    contacts = [(c, p) for c in cast.companies for p in c.contacts]
    channels, weights = zip(*CHANNELS, strict=True)
    now = timezone.now()
    tickets, bodies = [], []
    for _ in range(count):
        company, person = rng.choice(contacts)
        scenario = rng.choice(content.SCENARIOS)
        lang = person.language if person.language in scenario.subject else "en"
        fill = Fill(
            rng,
            {
                "first": person.first,
                "last": person.last,
                "name": person.name,
                "company": company.name,
            },
            content.values_for_region(company.region),
        )
        tickets.append(
            Ticket(
                subject=scenario.subject[lang].format_map(fill)[:250],
                requester_id=person.id,
                organization_id=company.id,
                channel=rng.choices(channels, weights)[0],
                type=scenario.type if solved else "question",
                product_area=scenario.area if solved else "",
                status="solved" if solved else "new",
                language=lang,
                tags=[],
                created_at=now,
                updated_at=now,
                solved_at=now if solved else None,
            )
        )
        bodies.append((person.id, scenario.body[lang].format_map(fill)))
    created = Ticket.objects.bulk_create(tickets, batch_size=1000)
    Message.objects.bulk_create(
        (
            Message(ticket=t, author_id=author, body_text=body, created_at=now)
            for t, (author, body) in zip(created, bodies, strict=True)
        ),
        batch_size=1000,
    )
    return [t.pk for t in created]


def train_triage() -> tuple[str, float | None]:
    """Trains the triage model if the triage app offers it: (what happened, seconds)."""
    try:
        from tierdesk.triage import services as triage
    except ImportError:
        return "triage app not importable: routed without predictions", None
    train = getattr(triage, "triage_train", None)
    if train is None:
        return "triage_train not available yet: routed without predictions", None
    started = time.perf_counter()
    report = train()
    seconds = time.perf_counter() - started
    return f"trained: {report}", seconds


def route_in_batches(numbers: list[int], batch: int) -> float:
    from django.db import transaction

    from tierdesk.routing.services import tickets_route
    from tierdesk.tickets.models import Ticket

    started = time.perf_counter()
    for start in range(0, len(numbers), batch):
        with transaction.atomic():
            tickets = list(
                Ticket.objects.select_related("organization")
                .filter(pk__in=numbers[start : start + batch])
                .order_by("pk")
            )
            tickets_route(tickets)
    return time.perf_counter() - started


def route_one_by_one(numbers: list[int]) -> float:
    from tierdesk.routing.services import ticket_route
    from tierdesk.tickets.models import Ticket

    started = time.perf_counter()
    for number in numbers:
        ticket_route(Ticket.objects.select_related("organization").get(pk=number))
    return time.perf_counter() - started


def time_classifier(numbers: list[int]) -> float | None:
    """Seconds the classifier alone takes for the same tickets, in the same batches: the share
    of the batch path that is prediction rather than routing."""
    from tierdesk.routing import effects
    from tierdesk.tickets.models import Ticket

    triage = effects.triage()
    if triage is None or getattr(triage, "triage_predict_many", None) is None:
        return None
    seconds = 0.0
    for start in range(0, len(numbers), 1000):
        chunk = numbers[start : start + 1000]
        bodies = effects.first_message_bodies(chunk)
        texts = [
            effects.triage_text(subject, bodies.get(number, ""))
            for number, subject in Ticket.objects.filter(pk__in=chunk).values_list("pk", "subject")
        ]
        started = time.perf_counter()
        triage.triage_predict_many(texts)
        seconds += time.perf_counter() - started
    return seconds


def outcome(numbers: list[int]) -> dict:
    from tierdesk.tickets.models import Ticket, TicketEvent

    tickets = Ticket.objects.filter(pk__in=numbers)
    groups = Counter(tickets.values_list("group__name", flat=True))
    return {
        "events": TicketEvent.objects.filter(ticket__in=numbers, kind="routed").count(),
        "grouped": sum(n for name, n in groups.items() if name),
        "assigned": tickets.filter(assignee__isnull=False).count(),
        "urgent": tickets.filter(priority="urgent").count(),
        "by_group": {name or "(none)": n for name, n in groups.most_common()},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10_000, help="New tickets (default 10,000).")
    parser.add_argument("--rules", type=int, default=50, help="Routing rules (default 50).")
    parser.add_argument("--batch", type=int, default=1_000, help="Tickets per tickets_route call.")
    parser.add_argument(
        "--single", type=int, default=1_000, help="Tickets routed one at a time (default 1,000)."
    )
    parser.add_argument("--training", type=int, default=4_000, help="Solved tickets to train on.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the data folder.")
    parser.add_argument("--output", help="JSON file (default bench/results/routing.json).")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="tierdesk-routing-bench-"))
    try:
        setup_django(data_dir)
        import time_machine

        ran_at = datetime.now(UTC).isoformat(timespec="seconds")
        with time_machine.travel(CLOCK, tick=True):
            result = run(args)
        result["ran_at"] = ran_at
    finally:
        if args.keep:
            print(f"Data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    m = result["machine"]
    print(
        f"Machine: {m['cores']} cores, {m['cpu_model']}, {m['memory_gib']} GiB; SQLite {m['sqlite']}"
    )
    print(f"Triage: {result['triage']}")
    benchlib.print_table(
        ["path", "tickets", "rules", "seconds", "tickets/s", "target"],
        [
            [
                f"tickets_route (batches of {args.batch:,})",
                f"{result['tickets']:,}",
                result["rules"],
                f"{result['batch_seconds']:.2f}",
                f"{result['batch_tickets_per_second']:,.0f}",
                f">= {TARGET_PER_SECOND:,}",
            ],
            [
                "ticket_route (one at a time)",
                f"{result['single_tickets']:,}",
                result["rules"],
                f"{result['single_seconds']:.2f}",
                f"{result['single_tickets_per_second']:,.0f}",
                "",
            ],
        ],
    )
    if result["classifier_seconds"]:
        print(
            f"\nOf the batch path, the classifier alone: {result['classifier_seconds']:.2f} s "
            f"({result['tickets'] / result['classifier_seconds']:,.0f} tickets/s)"
        )
    batch = result["batch_outcome"]
    print(
        f"\nBatch outcome: {batch['grouped']:,} grouped, {batch['assigned']:,} assigned, "
        f"{batch['urgent']:,} urgent, {batch['events']:,} routed events"
    )
    path = benchlib.write_json("routing.json", result, args.output)
    print(f"Written to {path}")
    return 0 if result["met"] else 1


def run(args: argparse.Namespace) -> dict:
    from tierdesk.accounts.models import User
    from tierdesk.demo.cast import cast_ensure
    from tierdesk.routing.demo import seed_routing_demo

    rng = random.Random(args.seed)
    cast = cast_ensure()
    seed_routing_demo()
    rules = add_rules(User.objects.get(username="admin"), args.rules)
    print(f"{rules} rules; writing {args.training:,} solved tickets to train on", flush=True)
    write_tickets(cast, args.training, rng, solved=True)
    triage_note, training_seconds = train_triage()
    # Imported before the clock starts: loading scikit-learn is a once-per-process cost.
    from tierdesk.routing import effects

    effects.triage()
    print(f"Triage: {triage_note}", flush=True)
    batch_numbers = write_tickets(cast, args.tickets, rng)
    single_numbers = write_tickets(cast, args.single, rng)
    print(f"Routing {len(batch_numbers):,} new tickets in batches of {args.batch:,}", flush=True)
    batch_seconds = route_in_batches(batch_numbers, args.batch)
    print(f"Routing {len(single_numbers):,} more one at a time", flush=True)
    single_seconds = route_one_by_one(single_numbers)
    batch_rate = len(batch_numbers) / batch_seconds
    classifier_seconds = time_classifier(batch_numbers)
    return {
        "benchmark": "routing",
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": benchlib.machine(),
        "database": "sqlite (embedded default)",
        "clock": CLOCK.isoformat(),
        "rules": rules,
        "tickets": len(batch_numbers),
        "batch_size": args.batch,
        "batch_seconds": round(batch_seconds, 3),
        "batch_tickets_per_second": round(batch_rate),
        "classifier_seconds": round(classifier_seconds, 3) if classifier_seconds else None,
        "single_tickets": len(single_numbers),
        "single_seconds": round(single_seconds, 3),
        "single_tickets_per_second": round(len(single_numbers) / single_seconds),
        "training_tickets": args.training,
        "training_seconds": round(training_seconds, 2) if training_seconds else None,
        "triage": triage_note,
        "batch_outcome": outcome(batch_numbers),
        "target": f">= {TARGET_PER_SECOND:,} tickets/s through tickets_route",
        "met": batch_rate >= TARGET_PER_SECOND,
    }


if __name__ == "__main__":
    sys.exit(main())
