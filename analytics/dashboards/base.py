"""What a dashboard is: filters in, tables, charts and headline figures out; and the registry of dashboards."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.accounts.models import Region
from crm.accounts.selectors import regions_visible_to, scoped_region

MAX_DAYS = 731
DATE_INPUT = forms.DateInput(attrs={"type": "date"})


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    # How a cell is shown: "int", "amount" (2 decimals), "percent" (1 decimal + %), "text", "date".
    kind: str = "text"


@dataclass
class Table:
    """A table of a dashboard: shown on the page, exported, and sent in reports. Rows are dicts by column key;
    ``links`` (optional, by row index) make a row's first cell a drill-down link."""

    key: str
    title: str | Promise
    columns: Sequence[Column]
    rows: list[dict[str, Any]]
    links: dict[int, str] = field(default_factory=dict)
    note: str | Promise = ""

    def values(self) -> list[list[Any]]:
        return [[row.get(c.key) for c in self.columns] for row in self.rows]

    def display_rows(self) -> list[tuple[str | None, list[str]]]:
        """Rows as the page shows them: (drill-down link of the row or None, formatted cells)."""
        return [
            (self.links.get(i), [_shown(row.get(c.key), c.kind) for c in self.columns])
            for i, row in enumerate(self.rows)
        ]


def _shown(value: Any, kind: str) -> str:
    if value is None or value == "":
        return "—"
    if kind == "percent":
        return f"{float(value):.1f} %"
    if kind == "amount":
        return f"{float(value):,.2f}"
    if kind == "int":
        return f"{int(value):,}"
    return str(value)


@dataclass
class Chart:
    """A chart drawn by static/js/charts.js: ``kind`` is one of its kinds, ``data`` what that kind reads."""

    key: str
    title: str | Promise
    kind: str
    data: dict[str, Any]

    @property
    def script_id(self) -> str:
        return f"chart-{self.key}-data"


@dataclass(frozen=True)
class Figure:
    """A headline figure (KPI card): a value with its unit and, where there is one, the target it is held to."""

    label: str | Promise
    value: Any
    unit: str = ""
    target: Any = None
    good: bool | None = None  # True/False colours the card; None when there is nothing to compare


@dataclass
class DashboardData:
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    breadcrumbs: list[tuple[str, str]] = field(default_factory=list)  # (label, url) of the drill-down path


class PeriodForm(forms.Form):
    """The filters every dashboard takes: a period (today, this week, this month, or from/to) and a region."""

    PERIODS = (
        ("today", gettext_lazy("Today")),
        ("week", gettext_lazy("This week")),
        ("month", gettext_lazy("This month")),
        ("12m", gettext_lazy("Last 12 months")),
        ("custom", gettext_lazy("From – to")),
    )
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS, required=False)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=DATE_INPUT)
    region = forms.ModelChoiceField(label=gettext_lazy("Region"), queryset=Region.objects.none(), required=False)

    def __init__(self, *args, user=None, default_period: str = "month", **kwargs):
        super().__init__(*args, **kwargs)
        self.default_period = default_period
        self.fields["period"].initial = default_period
        self.fields["region"].queryset = regions_visible_to(user).order_by("code") if user else Region.objects.none()
        if user is not None and scoped_region(user) is not None:
            del self.fields["region"]  # a regional manager sees their region only

    def clean(self):
        data = super().clean()
        if data.get("period") == "custom":
            start, end = data.get("date_from"), data.get("date_to")
            if not start or not end:
                raise forms.ValidationError(_("Give both dates of the period."))
            if start > end:
                raise forms.ValidationError(_("The period starts after it ends."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("The period may be at most two years."))
        return data


@dataclass(frozen=True)
class Filters:
    """What a dashboard is asked for: the days [since, until] and the region (None: all the user may see)."""

    since: datetime.date
    until: datetime.date
    region: Region | None
    params: dict[str, str] = field(default_factory=dict)  # drill-down keys and other dashboard-specific choices

    @property
    def months(self) -> tuple[datetime.date, datetime.date]:
        """The first days of the first and the last month of the period."""
        return self.since.replace(day=1), self.until.replace(day=1)


def period_bounds(period: str, today: datetime.date) -> tuple[datetime.date, datetime.date]:
    if period == "today":
        return today, today
    if period == "week":
        return today - datetime.timedelta(days=today.weekday()), today
    if period == "12m":
        first = (today.replace(day=1) - datetime.timedelta(days=335)).replace(day=1)
        return first, today
    return today.replace(day=1), today


def filters_from(form: PeriodForm, user, *, extra: dict[str, str] | None = None) -> Filters:
    """Filters from a validated form; the region is always within what the user may see."""
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    today = timezone.localdate()
    period = data.get("period") or form.default_period
    since, until = (data["date_from"], data["date_to"]) if period == "custom" else period_bounds(period, today)
    region = scoped_region(user) or data.get("region")
    return Filters(since=since, until=until, region=region, params=extra or {})


class Dashboard:
    """A manager dashboard. Subclasses set the class attributes and implement ``build``."""

    key: str = ""
    title: str | Promise = ""
    description: str | Promise = ""
    permission: str = "accounts.view_dashboards"
    marts: tuple[str, ...] = ()  # the aggregate tables it reads, for "last refreshed"
    default_period: str = "month"
    params: tuple[str, ...] = ()  # GET parameters it reads besides the period form (drill-down keys)
    order: int = 100

    def build(self, user, filters: Filters) -> DashboardData:  # pragma: no cover - each dashboard implements it
        raise NotImplementedError


_DASHBOARDS: dict[str, Dashboard] = {}


def register_dashboard(cls: type[Dashboard]) -> type[Dashboard]:
    _DASHBOARDS[cls.key] = cls()
    return cls


def dashboards() -> list[Dashboard]:
    from . import catalog  # noqa: F401 - registers every dashboard

    return sorted(_DASHBOARDS.values(), key=lambda d: (d.order, d.key))


def dashboard(key: str) -> Dashboard:
    from . import catalog  # noqa: F401

    try:
        return _DASHBOARDS[key]
    except KeyError:
        raise LookupError(key) from None


def region_filter(filters: Filters, user, *, field_name: str = "region_id") -> Callable:
    """A function narrowing a mart queryset to the filter's region, or to the regions the user may see."""

    def narrow(queryset):
        if filters.region is not None:
            return queryset.filter(**{field_name: filters.region.pk})
        if scoped_region(user) is None:
            return queryset
        return queryset.filter(**{f"{field_name}__in": list(regions_visible_to(user).values_list("pk", flat=True))})

    return narrow


def percent(part, whole) -> float | None:
    return round(100.0 * float(part) / float(whole), 1) if whole else None
