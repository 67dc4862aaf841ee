"""python manage.py seed_demo --customers N --seed S: a deterministic demo data set, written in bulk."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from crm.accounts.models import Region
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.context import acting_as
from crm.demo.engine import DemoStep, SeedContext, fast_bulk_load, registered_steps, run_steps


class Command(BaseCommand):
    help = "Generate the demo data set (regions, staff of every role, and what later apps add), deterministic per seed."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=200, help="How many customers to generate (default 200).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing (and succeed) when demo data is already there."
        )
        parser.add_argument(
            "--until-order",
            type=int,
            default=None,
            help="Run only the steps up to this order (e.g. 55: everything before billing); for tests and debugging.",
        )
        parser.add_argument(
            "--usage-days",
            type=int,
            default=None,
            help="Days of usage records (about one per subscription and day) before today; the default shrinks with "
            "the size (90 up to 20,000 customers, 14 up to 200,000, then 2). The benchmarks ask for 30 at a million.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="Processes for the steps that can split their work (billing), on PostgreSQL. With more than one, the "
            "steps before such a step commit first and it commits its own chunks, so a failure part-way leaves part "
            "of the data set: start again on a fresh database. The same seed gives the same data either way.",
        )

    def handle(
        self,
        *args,
        customers: int,
        seed: int,
        if_empty: bool,
        until_order: int | None = None,
        usage_days: int | None = None,
        workers: int = 1,
        **options,
    ):
        if customers < 0:
            raise CommandError("--customers must be zero or more")
        if usage_days is not None and not 1 <= usage_days <= 365:
            raise CommandError("--usage-days must be between 1 and 365")
        if workers < 1:
            raise CommandError("--workers must be 1 or more")
        if Region.objects.exists():
            if if_empty:
                self.stdout.write("Demo data is already loaded; nothing to do.")
                return
            raise CommandError(
                "The database already has data. seed_demo fills an empty database: "
                "use a fresh database, or --if-empty to skip."
            )
        started = time.monotonic()
        until = f" --until-order {until_order}" if until_order is not None else ""
        until += f" --usage-days {usage_days}" if usage_days is not None else ""
        self.stdout.write(f"Seeding demo data: {customers} customers, seed {seed}{until}")
        ctx = SeedContext(customers=customers, seed=seed, log=self.stdout.write, usage_days=usage_days, workers=workers)
        steps = registered_steps(until_order=until_order)
        with acting_as(channel="system"):
            phases = _phases(steps) if workers > 1 and connection.vendor == "postgresql" else [steps]
            for n, phase in enumerate(phases, start=1):
                if len(phases) > 1 and phase and phase[0].parallel:
                    run_steps(ctx, phase)  # outside a transaction: the step commits its own chunks
                    continue
                with transaction.atomic():
                    fast_bulk_load()
                    run_steps(ctx, phase)
                    if n == len(phases):
                        audit_record(
                            action=AuditEntry.Action.OTHER,
                            object_type="demo",
                            object_repr="seed_demo",
                            detail=f"seed_demo --customers {customers} --seed {seed}{until}",
                        )
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {time.monotonic() - started:.1f}s."))
        self.stdout.write("")
        passwords = sorted({login.password for login in ctx.logins})
        self.stdout.write(f"Demo logins (password: {', '.join(passwords)} — for demos only):")
        width = max((len(login.username) for login in ctx.logins), default=8)
        for login in ctx.logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.role:<18} {login.description}")
        for note in ctx.notes:
            self.stdout.write(note)


def _phases(steps: list[DemoStep]) -> list[list[DemoStep]]:
    """The steps split around the parallel ones: each parallel step alone, the others in runs between them; the last
    phase is never a parallel step (the audit entry goes in its transaction)."""
    phases: list[list[DemoStep]] = []
    for step in steps:
        if step.parallel or not phases or phases[-1][0].parallel:
            phases.append([step])
        else:
            phases[-1].append(step)
    if not phases or phases[-1][0].parallel:
        phases.append([])
    return phases
