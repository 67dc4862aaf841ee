"""The demo-data engine: ordered steps that apps register, a seeded random generator, and bulk paths.

Each app that has demo data puts a ``demo.py`` module next to its models with functions decorated by
``@demo_step(order=...)``; ``seed_demo`` discovers and runs them in order inside one transaction.
Steps write with ``SeedContext.copy_rows`` (PostgreSQL ``COPY``; ``bulk_create`` on SQLite) so the
same code can generate a million customers.
"""

from __future__ import annotations

import datetime
import json
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.db import DatabaseError, connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules


@dataclass(order=True)
class DemoStep:
    order: int
    name: str
    func: Callable[[SeedContext], None] = field(compare=False)
    parallel: bool = field(default=False, compare=False)  # may fan out to ``SeedContext.workers`` processes


_steps: dict[str, DemoStep] = {}


def demo_step(*, order: int, name: str | None = None, parallel: bool = False) -> Callable:
    """Register a function ``f(ctx: SeedContext)`` as a demo-data step; lower orders run first.

    A ``parallel`` step may split its work across ``ctx.workers`` processes. ``seed_demo --workers N`` then runs it
    outside the transaction of the steps before it, which commit first so the processes see their rows; the step
    commits its own work (see ``seed_demo``)."""

    def decorator(func: Callable[[SeedContext], None]) -> Callable[[SeedContext], None]:
        step_name = name or f"{func.__module__}.{func.__name__}"
        _steps[step_name] = DemoStep(order=order, name=step_name, func=func, parallel=parallel)
        return func

    return decorator


def registered_steps(*, until_order: int | None = None) -> list[DemoStep]:
    """The steps in order; with ``until_order``, only those up to that order (tests that need no later data)."""
    autodiscover_modules("demo")
    return sorted(s for s in _steps.values() if until_order is None or s.order <= until_order)


@dataclass
class DemoLogin:
    role: str
    username: str
    password: str
    description: str


@dataclass
class SeedContext:
    """What every step gets: the size asked for, a seeded generator, shared results and the bulk writer."""

    customers: int
    seed: int
    now: datetime.datetime = field(default_factory=timezone.now)
    log: Callable[[str], None] = print
    logins: list[DemoLogin] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lines printed at the end (e.g. demo API tokens)
    shared: dict[str, object] = field(default_factory=dict)  # results one step leaves for later ones
    timings: dict[str, float] = field(default_factory=dict)
    usage_days: int | None = None  # days of usage records before today; None: billing's default for the size
    workers: int = 1  # processes a parallel step may use (seed_demo --workers), when it runs outside a transaction

    @property
    def today(self) -> datetime.date:
        return timezone.localtime(self.now).date()

    def rng(self, purpose: str) -> random.Random:
        """A generator per purpose, so adding a step never changes what another step generates."""
        return random.Random(f"{self.seed}:{purpose}")

    def reserve_ids(self, model: type[models.Model], count: int) -> range:
        """Reserve ``count`` consecutive primary keys for rows written by COPY (which cannot return ids).

        On PostgreSQL the sequence is advanced under an advisory lock on its name, so processes of a parallel step
        reserving at the same time get ranges that do not overlap (``nextval`` then ``setval`` is two statements)."""
        table = model._meta.db_table
        pk = model._meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
                (sequence,) = cursor.fetchone()
                if count <= 1:
                    cursor.execute("SELECT nextval(%s)", [sequence])
                    (start,) = cursor.fetchone()
                    return range(start, start + count)
                # A session lock, not a transaction's: a process's chunk transaction runs on after reserving.
                cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [sequence])
                try:
                    cursor.execute("SELECT setval(%s, nextval(%s) + %s - 1)", [sequence, sequence, count])
                    (last,) = cursor.fetchone()
                finally:
                    cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [sequence])
                return range(last - count + 1, last + 1)
            cursor.execute(f'SELECT COALESCE(MAX("{pk}"), 0) FROM "{table}"')  # noqa: S608 - names from the model
            (last,) = cursor.fetchone()
            return range(last + 1, last + 1 + count)

    def copy_rows(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
        """Write rows (tuples in ``columns`` order, attnames such as ``region_id``) the fastest way the database has."""
        if connection.vendor == "postgresql":
            return _copy_postgres(model, columns, rows)
        return _bulk_create(model, columns, rows)


def _json_text(value: object) -> str:
    return "[]" if value == [] else json.dumps(value, ensure_ascii=False)


def _copy_postgres(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """COPY in text format, each row formatted by psycopg's C row writer (the billing step took a tenth or more
    longer building the text in Python). Values go as they are (text the generator made ready, numbers, dates,
    times, None); JSON columns become their JSON text first, as the row writer would send a list as an array."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    db_columns = ", ".join(f'"{fields[c].column}"' for c in columns)
    json_columns = [i for i, c in enumerate(columns) if isinstance(fields[c], models.JSONField)]
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f'COPY "{model._meta.db_table}" ({db_columns}) FROM STDIN') as copy:
            write_row = copy.write_row
            for row in rows:
                if json_columns:
                    row = list(row)
                    for i in json_columns:
                        row[i] = _json_text(row[i])
                write_row(row)
                count += 1
    return count


def _bulk_create(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    batch: list[models.Model] = []
    count = 0
    for row in rows:
        batch.append(model(**dict(zip(columns, row, strict=True))))
        if len(batch) >= 2000:
            model.objects.bulk_create(batch)
            count += len(batch)
            batch.clear()
    if batch:
        model.objects.bulk_create(batch)
        count += len(batch)
    return count


def fast_bulk_load() -> None:
    """Skip the per-row foreign-key triggers for this transaction when the database user may (a superuser):
    the generator writes only rows whose references it just created, and checking millions of them one by one
    at commit would take longer than writing them. Other users keep the checks (just slower)."""
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


def run_steps(ctx: SeedContext, steps: list[DemoStep] | None = None) -> SeedContext:
    """Run every registered step in order, recording how long each took."""
    for step in steps if steps is not None else registered_steps():
        started = time.monotonic()
        step.func(ctx)
        ctx.timings[step.name] = time.monotonic() - started
        ctx.log(f"  {step.name}: {ctx.timings[step.name]:.1f}s")
    return ctx


def quota(total: int, mix: list[tuple[str, int]]) -> list[str]:
    """``total`` values in the proportions of ``mix`` (largest remainders), so small data sets keep the mix too."""
    weight = sum(w for _v, w in mix)
    exact = [(value, total * w / weight) for value, w in mix]
    counts = {value: int(share) for value, share in exact}
    for value, _share in sorted(exact, key=lambda e: e[1] - int(e[1]), reverse=True)[: total - sum(counts.values())]:
        counts[value] += 1
    return [value for value, _w in mix for _ in range(counts[value])]
