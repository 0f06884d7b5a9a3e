"""Search and suggestion latency over 1,000,000 tickets (default) and 10,000 articles.

Builds once, in a data folder kept between runs (var/search-bench-<tickets>, --rebuild to start
over): a few hundred customer organizations, then the tickets written in bulk (demo.bulk, as the
other benchmarks do: services would take hours) with realistic subjects and 2 to 4 messages each
(the customer's description, public replies, internal notes, follow-ups) in English, Japanese and
Russian, error codes sprinkled in, some restricted; 10,000 articles in every KCS state,
visibility and language. Then the search app's full reindex and the suggestion vectors are
computed and timed (tickets per second).

Measures, after a warm-up pass, ~200 realistic queries (single words, two or three words, error
codes pasted verbatim, Japanese, Russian, a quoted phrase) as a staff engineer and as a customer
of one organization:

- `search.selectors.search(viewer, q)` over articles and tickets: p50 / p95 / p99;
- `suggestions.selectors.suggest_articles(q, viewer=...)` over the articles: p50 / p95 / p99.

Targets: search p95 under 100 ms, suggestions p95 under 30 ms. Prints a table with the slowest
queries, writes bench/results/search_bench.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import benchlib

sys.path.insert(0, str(benchlib.ROOT / "src"))

SEARCH_P95_MS = 100.0
SUGGEST_P95_MS = 30.0
NOW = datetime(2024, 6, 5, 15, 0, tzinfo=UTC)
BUILD_FILE = "search-bench-build.json"


# --- what the tickets and articles say -------------------------------------------------------------

# Topics in three languages, identifiers to fill in, and the ~200 timed queries.
TEXT = json.loads((benchlib.ROOT / "bench" / "data" / "search_bench_text.json").read_text())
QUERIES: list[str] = TEXT["queries"]
# Closed and solved dominate a desk's history; a tenth is still being worked on.
STATUSES = (
    ("new", 5),
    ("open", 12),
    ("pending", 6),
    ("on_hold", 2),
    ("solved", 25),
    ("closed", 50),
)


def stamp(ts: float, postgres: bool) -> str:
    text = datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M:%S")
    return text + "+00:00" if postgres else text


class TicketWriter:
    """Generates ticket and message rows in demo.bulk's column orders: each ticket on one topic in
    its requester's language, 2 to 4 messages (the description, public replies, an internal note
    on about half, a follow-up), error codes and identifiers filled in; 1% restricted."""

    def __init__(self, people: dict, *, seed: int, now: float, postgres: bool) -> None:
        self.rng = random.Random(seed)
        self.people, self.now, self.postgres = people, now, postgres
        self.topics = TEXT["topics"]
        self.topic_names = list(self.topics)
        prefixes, suffixes = TEXT["table_parts"]
        self.tables = [f"{p}_{s}" for p in prefixes for s in suffixes]
        self.statuses, self.status_weights = zip(*STATUSES, strict=True)
        # Organizations differ in size: a few large customers file most tickets.
        self.org_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(people["organizations"]))]

    def values(self, language: str, code: str) -> dict:
        """One ticket's particulars: its table, dashboard, tool, host and an identifier."""
        rng = self.rng
        return {
            "code": code,
            "table": rng.choice(self.tables),
            "dash": rng.choice(TEXT["dashboards"][language]),
            "tool": rng.choice(TEXT["tools"]),
            "n": rng.randint(2, 900),
            "qid": f"{rng.getrandbits(40):010x}",
            "host": f"hooks{rng.randint(1, 400)}.example.net",
        }

    def chunks(self, count: int, first) -> Iterator[tuple[list, list, list, list]]:
        from tierdesk.core.text import text_to_html

        rng = self.rng
        orgs, staff = self.people["organizations"], self.people["staff"]
        number, message_id = first.ticket, first.message
        tickets: list[tuple] = []
        messages: list[tuple] = []
        readers: list[tuple] = []
        span = 540 * 86400
        for _ in range(count):
            org_id, contacts = rng.choices(orgs, self.org_weights)[0]
            requester, language = rng.choice(contacts)
            if rng.random() < 0.1:  # some customers write in English whatever their region
                language = "en"
            topic = self.topics[rng.choice(self.topic_names)]
            text = topic[language]
            code = rng.choice(topic["codes"]).replace("{n}", str(rng.randint(1000, 99999)))
            agent = rng.choice(staff[1:])
            values = self.values(language, code)

            def fill(template: str, values=values) -> str:
                return template.format(**values)

            created = self.now - rng.random() * span
            status = rng.choices(self.statuses, self.status_weights)[0]
            at = created
            rows = [
                (
                    requester,
                    "public",
                    " ".join(fill(line) for line in rng.sample(text[1], rng.randint(2, 3))),
                )
            ]
            for _k in range(rng.randint(1, 3)):
                roll = rng.random()
                if roll < 0.45:
                    rows.append((agent, "public", fill(rng.choice(text[2]))))
                elif roll < 0.75:
                    rows.append((agent, "internal", fill(rng.choice(TEXT["notes"]))))
                else:
                    rows.append(
                        (
                            requester,
                            "public",
                            fill(rng.choice(TEXT["follow_ups"][language])),
                        )
                    )
            for author, kind, body in rows:
                messages.append(
                    (
                        message_id,
                        number,
                        author,
                        kind,
                        "portal",
                        body,
                        text_to_html(body),
                        stamp(at, self.postgres),
                    )
                )
                message_id += 1
                at += rng.uniform(600, 2 * 86400)
            at = min(at, self.now)
            solved = stamp(at, self.postgres) if status in ("solved", "closed") else None
            restricted = rng.random() < 0.01
            if restricted:
                readers.append((number, agent))
            tickets.append(
                (
                    number,
                    fill(rng.choice(text[0]))[:250],
                    "portal",
                    "problem",
                    topic["area"],
                    "normal",
                    status,
                    1,
                    language,
                    "[]",
                    restricted,
                    stamp(created, self.postgres),
                    stamp(at, self.postgres),
                    stamp(created + 3600, self.postgres) if len(rows) > 1 else None,
                    solved,
                    solved if status == "closed" else None,
                    agent if status != "new" else None,
                    None,
                    org_id,
                    requester,
                    "",
                )
            )
            number += 1
            if len(tickets) == 5000:
                yield tickets, messages, [], readers
                tickets, messages, readers = [], [], []
        if tickets:
            yield tickets, messages, [], readers


def article_bases() -> dict[str, list[dict]]:
    """The hand-made multilingual articles and the StackFAQ threads, each with a few variants of
    its title (products and versions), as the texts the 10,000 articles are drawn from."""
    data = json.loads(
        (benchlib.ROOT / "bench" / "data" / "knowledge_multilingual.json").read_text()
    )
    bases: dict[str, list[dict]] = {"en": [], "ja": [], "ru": []}
    for article in data["articles"]:
        bases[article["language"]].append(article)
    faq = benchlib.ROOT.parent / "shared" / "data" / "stackfaq" / "faq_articles.csv"
    if not faq.exists():
        faq = Path("/work/shared/data/stackfaq/faq_articles.csv")
    if faq.exists():
        with faq.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                bases["en"].append(
                    {
                        "title": row["question"],
                        "problem": row["question"],
                        "resolution": row["answers"],
                    }
                )
    variants = [
        *TEXT["tools"],
        *(f"v{major}.{minor}" for major in range(1, 6) for minor in range(10)),
    ]
    for articles in bases.values():
        for article in articles:
            article["variants"] = variants
    return bases


def setup_django(data_dir: Path, database: str | None) -> str:
    os.environ.pop("TIERDESK_REDIS_URL", None)
    os.environ["TIERDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("TIERDESK_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tierdesk.settings"
    if database:
        os.environ["TIERDESK_DATABASE_URL"] = database
    else:
        os.environ.pop("TIERDESK_DATABASE_URL", None)
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    if not database:
        return "sqlite (embedded default)"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"postgresql {cursor.fetchone()[0]}"


# --- building ------------------------------------------------------------------------------------


def make_people(organizations: int, seed: int) -> dict:
    """Organizations with three contacts each (their language follows the region), and staff."""
    from django.contrib.auth.hashers import make_password

    from tierdesk.accounts.choices import Plan, Region, Role
    from tierdesk.accounts.models import Organization, User

    rng = random.Random(seed)
    regions = [
        (Region.JAPAN, "ja"),
        (Region.RUSSIA, "ru"),
        (Region.AMERICAS, "en"),
        (Region.EMEA, "en"),
        (Region.APAC, "en"),
    ]
    password = make_password(None)
    orgs = Organization.objects.bulk_create(
        Organization(
            name=f"Bench Customer {i:04d}",
            email_domains=[f"c{i}.example"],
            plan=rng.choice(list(Plan.values)),
            region=rng.choices(regions, weights=(25, 15, 35, 15, 10))[0][0],
        )
        for i in range(organizations)
    )
    language_of = dict((r, lang) for r, lang in regions)
    contacts = User.objects.bulk_create(
        User(
            username=f"c{o.pk}-{k}",
            email=f"user{k}@c{o.pk}.example",
            role=Role.CUSTOMER,
            organization=o,
            language=language_of[o.region],
            password=password,
        )
        for o in orgs
        for k in range(3)
    )
    staff = User.objects.bulk_create(
        User(
            username=f"agent{k}",
            email=f"agent{k}@lumora.example",
            role=Role.AGENT if k else Role.MANAGER,
            tier=1 + k % 3,
            language=("en", "ja", "ru")[k % 3],
            password=password,
        )
        for k in range(40)
    )
    by_org: dict[int, list[tuple[int, str]]] = {}
    for c in contacts:
        by_org.setdefault(c.organization_id, []).append((c.pk, c.language))
    return {
        "organizations": [(o.pk, by_org[o.pk]) for o in orgs],
        "staff": [s.pk for s in staff],
    }


def write_tickets(count: int, people: dict, seed: int, postgres: bool) -> dict:
    from tierdesk.demo.bulk import chunks_write, first_free_ids

    first = first_free_ids()
    started = time.perf_counter()
    writer = TicketWriter(people, seed=seed, now=NOW.timestamp(), postgres=postgres)

    def progress(done: int, total: int, elapsed: float) -> None:
        print(f"  {done:,} / {total:,} tickets written, {elapsed:.0f} s", flush=True)

    written = chunks_write(
        lambda: writer.chunks(count, first), total=count, started=started, progress=progress
    )
    return {
        "tickets": written.tickets,
        "messages": written.messages,
        "write_seconds": round(time.perf_counter() - started, 1),
    }


def write_articles(count: int, people: dict, seed: int) -> dict:
    """`count` articles in bulk: variants of the hand-made and FAQ articles, in every state,
    visibility and language (no versions: search and suggestions read the article row)."""
    from tierdesk.knowledge.models import Article

    rng = random.Random(seed + 1)
    now = NOW
    states = (("validated", 60), ("not_validated", 15), ("wip", 15), ("archived", 10))
    names, weights = zip(*states, strict=True)
    bases = article_bases()
    rows = []
    for _ in range(count):
        language = rng.choices(("en", "ja", "ru"), weights=(60, 20, 20))[0]
        base = rng.choice(bases[language])
        state = rng.choices(names, weights)[0]
        variant = rng.choice(base["variants"])
        rows.append(
            Article(
                title=f"{base['title']} ({variant})"[:250],
                problem=base["problem"],
                resolution=base["resolution"],
                tags=base.get("tags", [])[:5],
                product_area=base.get("product_area", ""),
                language=language,
                visibility="public" if rng.random() < 0.6 else "internal",
                state=state,
                owner_id=rng.choice(people["staff"]),
                created_by_id=rng.choice(people["staff"]),
                created_at=now,
                updated_at=now,
                validated_at=now if state == "validated" else None,
                reuse_count=int(rng.expovariate(0.2)),
            )
        )
    started = time.perf_counter()
    Article.objects.bulk_create(rows, batch_size=1000)
    return {"articles": count, "write_seconds": round(time.perf_counter() - started, 2)}


def reindex() -> dict:
    """The search app's full reindex, timed."""
    from tierdesk.search import services

    started = time.perf_counter()
    shown = [started]

    def progress(done: int) -> None:
        now = time.perf_counter()
        if now - shown[0] >= 5:
            print(f"  {done:,} documents indexed, {now - started:.0f} s", flush=True)
            shown[0] = now

    report = services.reindex_all(progress=progress)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 1), "report": str(report)}


def encode_articles() -> dict:
    """Every article's suggestion vector, timed (what the hourly catch-up does)."""
    from tierdesk.knowledge.models import Article
    from tierdesk.suggestions import vectors

    ids = list(Article.objects.values_list("pk", flat=True))
    started = time.perf_counter()
    done = vectors.vectors_refresh(ids)
    return {"encoded": done, "seconds": round(time.perf_counter() - started, 1)}


def build(args, data_dir: Path, postgres: bool) -> dict:
    print(
        f"Building in {data_dir}: {args.tickets:,} tickets, {args.articles:,} articles", flush=True
    )
    people = make_people(args.organizations, args.seed)
    tickets = write_tickets(args.tickets, people, args.seed, postgres)
    articles = write_articles(args.articles, people, args.seed)
    print("Reindexing (search.services.reindex_all)", flush=True)
    index = reindex()
    index["tickets_per_second"] = round(tickets["tickets"] / max(index["seconds"], 0.001))
    print(f"  {index['seconds']} s, {index['tickets_per_second']:,} tickets/s", flush=True)
    print("Encoding article vectors", flush=True)
    vectors = encode_articles()
    print(f"  {vectors['encoded']:,} in {vectors['seconds']} s", flush=True)
    built = {
        "tickets": args.tickets,
        "articles": args.articles,
        "organizations": args.organizations,
        "seed": args.seed,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "write": {**tickets, "articles": articles},
        "reindex": index,
        "vectors": vectors,
        "people": people,
    }
    (data_dir / BUILD_FILE).write_text(json.dumps(built, indent=2))
    return built


# --- measuring -----------------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": at(1.0)}


def measure(name: str, call, queries: list[str], passes: int) -> dict:
    """Runs every query once unmeasured (warm caches, as in a serving process), then `passes`
    times measured; returns the percentiles, hit counts and the slowest queries."""
    hits: dict[str, int] = {}
    for q in queries:
        hits[q] = call(q)
    times: list[float] = []
    per_query: dict[str, list[float]] = {q: [] for q in queries}
    for _ in range(passes):
        for q in queries:
            started = time.perf_counter()
            call(q)
            elapsed = (time.perf_counter() - started) * 1000
            times.append(elapsed)
            per_query[q].append(elapsed)
    slowest = sorted(per_query.items(), key=lambda item: -statistics.median(item[1]))[:10]
    return {
        **percentiles(times),
        "calls": len(times),
        "empty": sum(1 for n in hits.values() if not n),
        "slowest": [
            {"query": q, "median_ms": round(statistics.median(t), 1), "hits": hits[q]}
            for q, t in slowest
        ],
    }


def viewers(built: dict):
    from django.db.models import Count

    from tierdesk.accounts.models import User
    from tierdesk.tickets.models import Ticket

    staff = User.objects.get(pk=built["people"]["staff"][1])
    # The customer organization with the most tickets: the heaviest scope a customer has.
    busiest = (
        Ticket.objects.values("organization_id")
        .order_by()
        .annotate(n=Count("number"))
        .order_by("-n")
        .first()
    )
    customer = User.objects.filter(organization_id=busiest["organization_id"]).first()
    return staff, customer, busiest["n"]


def run_measures(built: dict, passes: int) -> dict:
    from tierdesk.search.selectors import search
    from tierdesk.suggestions.selectors import suggest_articles

    staff, customer, customer_tickets = viewers(built)
    results: dict = {"customer_organization_tickets": customer_tickets}
    for label, viewer in (("staff", staff), ("customer", customer)):
        print(f"search() as {label}: {len(QUERIES)} queries x {passes}", flush=True)
        results[f"search_{label}"] = measure(
            f"search_{label}", lambda q, v=viewer: search(v, q).total, QUERIES, passes
        )
        print(f"suggest_articles() as {label}", flush=True)
        results[f"suggest_{label}"] = measure(
            f"suggest_{label}",
            lambda q, v=viewer: len(suggest_articles(q, viewer=v, limit=5)),
            QUERIES,
            passes,
        )
    return results


def sizes(data_dir: Path, postgres: bool) -> dict:
    from tierdesk.knowledge.models import Article
    from tierdesk.tickets.models import Message, Ticket

    counts = {
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "internal_notes": Message.objects.filter(kind="internal").count(),
        "restricted_tickets": Ticket.objects.filter(restricted=True).count(),
        "articles": Article.objects.count(),
        "public_validated_articles": Article.objects.filter(
            visibility="public", state="validated"
        ).count(),
    }
    if not postgres:
        database = data_dir / "tierdesk.sqlite3"
        counts["database_bytes"] = sum(
            p.stat().st_size for p in data_dir.glob(database.name + "*") if p.is_file()
        )
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--organizations", type=int, default=300)
    parser.add_argument("--passes", type=int, default=3, help="Measured passes over the queries.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--data-dir", help="Data folder (default var/search-bench-<tickets>); reused when built."
    )
    parser.add_argument("--rebuild", action="store_true", help="Build the data folder anew.")
    parser.add_argument(
        "--reindex", action="store_true", help="Rerun the full reindex on the kept data (timed)."
    )
    parser.add_argument(
        "--database",
        help="A PostgreSQL URL naming a database of the benchmark's own (built on first use; "
        "--rebuild drops it). Default: the embedded SQLite in the data folder.",
    )
    parser.add_argument("--output", help="JSON file (default bench/results/search_bench.json).")
    args = parser.parse_args()

    data_dir = Path(args.data_dir or benchlib.ROOT / "var" / f"search-bench-{args.tickets}")
    build_file = data_dir / BUILD_FILE
    if args.rebuild or not build_file.exists():
        import shutil

        shutil.rmtree(data_dir, ignore_errors=True)
        if args.database:
            from sla_bench import recreate_postgres

            recreate_postgres(args.database)
    data_dir.mkdir(parents=True, exist_ok=True)
    database = setup_django(data_dir, args.database)
    postgres = bool(args.database)
    if build_file.exists():
        built = json.loads(build_file.read_text())
        print(f"Reusing {data_dir} (built {built['built_at']})", flush=True)
        if args.reindex:
            built["reindex"] = reindex()
            built["reindex"]["tickets_per_second"] = round(
                built["tickets"] / max(built["reindex"]["seconds"], 0.001)
            )
            # Only vectors whose text changed are encoded again; keep the full encoding's time.
            again = encode_articles()
            if again["encoded"]:
                built["vectors"] = again
            build_file.write_text(json.dumps(built, indent=2))
    else:
        built = build(args, data_dir, postgres)

    measured = run_measures(built, args.passes)
    result = {
        "benchmark": "search",
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": benchlib.machine(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "database": database,
        "data": sizes(data_dir, postgres),
        "build": {k: built[k] for k in ("built_at", "write", "reindex", "vectors")},
        "queries": len(QUERIES),
        **measured,
        "targets": {"search_p95_ms": SEARCH_P95_MS, "suggest_p95_ms": SUGGEST_P95_MS},
    }
    result["met"] = all(
        result[f"search_{v}"]["p95_ms"] < SEARCH_P95_MS
        and result[f"suggest_{v}"]["p95_ms"] < SUGGEST_P95_MS
        for v in ("staff", "customer")
    )

    m, d = result["machine"], result["data"]
    print(
        f"\nMachine: {m['cores']} cores, {m['cpu_model']}, {m['memory_gib']} GiB; {database}\n"
        f"Data: {d['tickets']:,} tickets, {d['messages']:,} messages ({d['internal_notes']:,} "
        f"notes), {d['articles']:,} articles; reindex {built['reindex']['seconds']} s "
        f"({built['reindex']['tickets_per_second']:,} tickets/s)\n"
    )
    rows = []
    for key, label, target in (
        ("search_staff", "search, staff", SEARCH_P95_MS),
        ("search_customer", "search, customer", SEARCH_P95_MS),
        ("suggest_staff", "suggest_articles, staff", SUGGEST_P95_MS),
        ("suggest_customer", "suggest_articles, customer", SUGGEST_P95_MS),
    ):
        r = result[key]
        rows.append(
            [
                label,
                f"{r['p50_ms']:.1f}",
                f"{r['p95_ms']:.1f}",
                f"{r['p99_ms']:.1f}",
                f"{r['max_ms']:.1f}",
                f"p95 < {target:g} ms",
            ]
        )
    benchlib.print_table(["measure", "p50 ms", "p95 ms", "p99 ms", "max ms", "target"], rows)
    for key in ("search_staff", "search_customer", "suggest_customer"):
        print(f"\nSlowest, {key}:")
        for s in result[key]["slowest"][:5]:
            print(f"  {s['median_ms']:7.1f} ms  {s['hits']:>9,}  {s['query']}")
    path = benchlib.write_json("search_bench.json", result, args.output)
    print(f"\nTargets {'met' if result['met'] else 'MISSED'}; written to {path}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
