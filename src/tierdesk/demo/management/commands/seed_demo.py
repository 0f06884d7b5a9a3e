"""`manage.py seed_demo`: the demo desk — cast and tickets — written in bulk."""

from __future__ import annotations

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tierdesk.demo.period import parse_now
from tierdesk.demo.seed import DemoDataExists, seed_demo


def _now(value: str) -> datetime:
    try:
        return parse_now(value)
    except ValueError as exc:
        raise CommandError(f"--now: {exc}") from None


class Command(BaseCommand):
    help = "Seeds a deterministic demo support desk: organizations, people and N tickets over six months."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tickets", type=int, default=5_000, help="How many tickets (default 5,000)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same desk."
        )
        parser.add_argument(
            "--now",
            type=_now,
            default=None,
            help="End of the seeded period (default: today 00:00 UTC).",
        )
        parser.add_argument(
            "--append", action="store_true", help="Add tickets to a database that already has some."
        )

    def handle(
        self, *args, tickets: int, seed: int, now: datetime | None, append: bool, **options
    ) -> None:
        if tickets < 0:
            raise CommandError("--tickets cannot be negative.")
        verbosity = options.get("verbosity", 1)

        def progress(done: int, total: int, seconds: float) -> None:
            if verbosity >= 1:
                rate = done / seconds if seconds else 0.0
                self.stdout.write(
                    f"  {done:>10,} / {total:,} tickets  {seconds:7.1f} s  {rate:9,.0f} tickets/s"
                )

        try:
            report = seed_demo(
                tickets=tickets, seed=seed, now=now, append=append, progress=progress
            )
        except DemoDataExists as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {report.tickets:,} tickets, {report.messages:,} messages and {report.events:,} events "
                f"({report.start:%Y-%m-%d} to {report.end:%Y-%m-%d %H:%M} UTC) in {report.seconds:.1f} s "
                f"({report.rows / max(report.seconds, 1e-9):,.0f} rows/s)."
            )
        )
