"""Recompute every unpinned customer's service level now (the monthly job, run by hand), with progress."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from customers.services import service_levels_recompute


class Command(BaseCommand):
    help = "Recompute service levels from the thresholds table (pinned customers are left alone)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args, batch_size: int, **options):
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  {done}/{total} customers", ending="\r")

        result = service_levels_recompute(batch_size=batch_size, progress=progress)
        self.stdout.write("")
        by_level = ", ".join(f"{level}: {n}" for level, n in sorted(result.by_level.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Examined {result.examined}, changed {result.changed}, pinned and left alone {result.pinned_skipped} "
                f"in {time.monotonic() - started:.1f}s"
            )
        )
        self.stdout.write(f"Levels: {by_level}")
