"""Refreshing the aggregate tables: each ``MartSpec`` replaces its rows for a range of days (or months) from the
operational tables, set-based (INSERT … SELECT … GROUP BY on PostgreSQL), and the refresh time is recorded."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from analytics.models import MartRefresh


@dataclass(frozen=True)
class MartSpec:
    """An aggregate table's refresher: ``refresh(since, until) -> rows`` deletes and rebuilds the rows of the days
    (daily marts) or of the months touching the days (monthly marts) in [since, until]."""

    name: str
    refresh: Callable[[datetime.date, datetime.date], int]
    monthly: bool = False
    # How far back a routine refresh goes: daily marts the last days (late feeds, late completions), monthly marts
    # the current and the previous month.
    default_days: int = 3


_MARTS: dict[str, MartSpec] = {}


def register_mart(spec: MartSpec) -> MartSpec:
    _MARTS[spec.name] = spec
    return spec


def mart_specs() -> list[MartSpec]:
    from . import catalog  # noqa: F401 - registers every mart

    return [_MARTS[name] for name in sorted(_MARTS)]


def mart_refresh(name: str, *, since: datetime.date | None = None, until: datetime.date | None = None) -> int:
    """Rebuild one aggregate table for [since, until] (its default window when not given) in one transaction."""
    from . import catalog  # noqa: F401

    spec = _MARTS[name]
    until = until or timezone.localdate()
    since = since or (until - datetime.timedelta(days=spec.default_days))
    if spec.monthly:
        since = since.replace(day=1)
    started = time.monotonic()
    with transaction.atomic():
        rows = spec.refresh(since, until)
        MartRefresh.objects.update_or_create(
            mart=name,
            defaults={
                "refreshed_at": timezone.now(),
                "period_from": since,
                "period_to": until,
                "rows": rows,
                "duration_ms": int((time.monotonic() - started) * 1000),
            },
        )
    return rows


def marts_last_refreshed(names: tuple[str, ...] | list[str]) -> datetime.datetime | None:
    """The oldest refresh time among the tables (what a dashboard reading them all can vouch for)."""
    times = list(MartRefresh.objects.filter(mart__in=names).values_list("refreshed_at", flat=True))
    if not names or len(times) < len(set(names)):
        return None
    return min(times)
