"""Satisfaction dashboard (满意度): survey results and the satisfaction index per region, product line and team;
complaints per 10,000 customers, repeat complaints and complaints to the regulator per region. Aggregate table
``satisfaction_monthly``; complaints come from ``tickets_daily`` and customers from ``customer_base_monthly``."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Case, CharField, Count, Q, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models import CustomerBaseMonthly, SatisfactionMonthly, TicketDaily
from crm.accounts.models import OrgUnit
from crm.accounts.selectors import scoped_region
from feedback.models import SurveyAnswer, SurveyInvitation
from feedback.selectors import satisfaction_percent

from .base import Chart, Column, Dashboard, DashboardData, Figure, Filters, Table, region_filter, register_dashboard
from .customer_base.marts import month_end, region_names
from .marts import MartSpec, register_mart

# The product lines managers compare (固话, 移动, 宽带): the specification kinds each takes, the rest is "other".
# Same grouping as the tickets aggregate (IPTV and dedicated lines ride on the broadband network).
PRODUCT_LINES = {
    "fixed_line": "fixed",
    "mobile": "mobile",
    "broadband": "broadband",
    "iptv": "broadband",
    "dia": "broadband",
}
SOURCE_LABELS = {
    "ticket": gettext_lazy("After a trouble ticket"),
    "work_order": gettext_lazy("After a work order"),
    "other": gettext_lazy("Other"),
}
LINE_LABELS = {
    "fixed": gettext_lazy("Fixed line (固话)"),
    "mobile": gettext_lazy("Mobile (移动)"),
    "broadband": gettext_lazy("Broadband (宽带)"),
    "other": gettext_lazy("Other"),
}
COMPLAINT = "complaint"
PER_CUSTOMERS = 10_000

# --- Refresher ----------------------------------------------------------------------------------------------------


def product_line(kind: str) -> str:
    return PRODUCT_LINES.get(kind or "", "other")


def _source(prefix: str = "") -> Case:
    return Case(
        When(**{f"{prefix}ticket_id__isnull": False}, then=Value("ticket")),
        When(**{f"{prefix}work_order_id__isnull": False}, then=Value("work_order")),
        default=Value("other"),
        output_field=CharField(),
    )


def _month(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def refresh_satisfaction(since: datetime.date, until: datetime.date) -> int:
    """Rebuild the months of [since, until]: surveys invited in a month (by when they were sent) and answered in a
    month (by when they were answered), satisfied ones and the 1–5 ratings, per region, product line, team and what
    the survey was about."""
    first, last = since.replace(day=1), month_end(until)
    SatisfactionMonthly.objects.filter(month__gte=first, month__lte=until).delete()
    measures: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    dims = ("region_id", "product_kind", "team_id", "source")

    def add(rows, prefix: str = "") -> None:
        for row in rows:
            key = (
                _month(row["month"]),
                row[f"{prefix}region_id"],
                product_line(row[f"{prefix}product_kind"]),
                row[f"{prefix}team_id"],
                row["source"],
            )
            for measure in ("invited", "answered", "satisfied", "rating_sum", "ratings"):
                measures[key][measure] += row.get(measure) or 0

    invitations = SurveyInvitation.objects.annotate(source=_source()).order_by()
    add(
        invitations.filter(sent_at__date__gte=first, sent_at__date__lte=last)
        .annotate(month=TruncMonth("sent_at"))
        .values("month", *dims)
        .annotate(invited=Count("id"))
    )
    answered = invitations.filter(
        status=SurveyInvitation.Status.ANSWERED, answered_at__date__gte=first, answered_at__date__lte=last
    )
    add(
        answered.annotate(month=TruncMonth("answered_at"))
        .values("month", *dims)
        .annotate(answered=Count("id"), satisfied=Count("id", filter=Q(satisfied=True)))
    )
    prefix = "invitation__"
    add(
        SurveyAnswer.objects.filter(rating__isnull=False, invitation__in=answered.values("pk"))
        .annotate(month=TruncMonth("invitation__answered_at"), source=_source(prefix))
        .values("month", *(f"{prefix}{d}" for d in dims[:3]), "source")
        .annotate(rating_sum=Sum("rating"), ratings=Count("id"))
        .order_by(),
        prefix,
    )
    rows = [
        SatisfactionMonthly(
            month=month, region_id=region_id, product_line=line, team_id=team_id, source=source, **values
        )
        for (month, region_id, line, team_id, source), values in measures.items()
    ]
    SatisfactionMonthly.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


register_mart(MartSpec(name="satisfaction_monthly", refresh=refresh_satisfaction, monthly=True, default_days=31))


# --- Reads --------------------------------------------------------------------------------------------------------


def _index_rows(queryset, field: str, names: dict) -> list[dict]:
    """Survey measures per value of ``field`` with the satisfaction index, worst first (as on the feedback page)."""
    rows = []
    for r in queryset.values(field).annotate(
        invited=Sum("invited"),
        answered=Sum("answered"),
        satisfied=Sum("satisfied"),
        rating_sum=Sum("rating_sum"),
        ratings=Sum("ratings"),
    ):
        index = satisfaction_percent(r["satisfied"], r["answered"])
        rows.append(
            {
                "key": r[field],
                "name": str(names.get(r[field], r[field])) if r[field] not in (None, "") else _("(none)"),
                "invited": r["invited"],
                "answered": r["answered"],
                "satisfied": r["satisfied"],
                "dissatisfied": r["answered"] - r["satisfied"],
                "index": float(index) if index is not None else None,
                "rating": round(r["rating_sum"] / r["ratings"], 2) if r["ratings"] else None,
            }
        )
    return sorted(rows, key=lambda r: (r["index"] if r["index"] is not None else 101.0, r["name"]))


def complaints_per_region(filters: Filters, user) -> list[dict]:
    """Per region: customers at the end of the period's last month, complaints opened in the period and per 10,000
    customers, repeat complaints, and complaints to the regulator (or at risk of going there), of any ticket type."""
    narrow = region_filter(filters, user)
    tickets = narrow(TicketDaily.objects.filter(day__gte=filters.since, day__lte=filters.until)).order_by()
    complaint = Q(ticket_type=COMPLAINT)
    counts = {
        r["region_id"]: r
        for r in tickets.values("region_id").annotate(
            complaints=Sum("opened", filter=complaint),
            repeat=Sum("repeat", filter=complaint),
            regulator=Sum("regulator"),
        )
    }
    customers = dict(
        narrow(CustomerBaseMonthly.objects.filter(month=filters.months[1]))
        .order_by()
        .values("region_id")
        .annotate(n=Sum("customers"))
        .values_list("region_id", "n")
    )
    names = region_names(set(counts) | set(customers))
    rows = []
    for region_id in set(counts) | set(customers):
        c = counts.get(region_id, {})
        base, complaints = customers.get(region_id) or 0, c.get("complaints") or 0
        rows.append(
            {
                "region_id": region_id,
                "region": names.get(region_id, region_id),
                "customers": base,
                "complaints": complaints,
                "rate": rate_per_customers(complaints, base),
                "repeat": c.get("repeat") or 0,
                "regulator": c.get("regulator") or 0,
            }
        )
    return sorted(rows, key=lambda r: (-(r["rate"] or 0), str(r["region"])))


def rate_per_customers(count: int, customers: int) -> float | None:
    """Complaints per 10,000 customers (万户投诉率), two decimals."""
    return round(count * PER_CUSTOMERS / customers, 2) if customers else None


# --- Dashboard ----------------------------------------------------------------------------------------------------

INDEX_COLUMNS = (
    ("answered", gettext_lazy("Answered"), "int"),
    ("satisfied", gettext_lazy("Satisfied"), "int"),
    ("dissatisfied", gettext_lazy("Dissatisfied"), "int"),
    ("index", gettext_lazy("Satisfaction (%)"), "percent"),
    ("rating", gettext_lazy("Average rating (1–5)"), "text"),
)


def _index_table(key: str, title, label, rows, links=None) -> Table:
    columns = [Column("name", label), *(Column(k, lbl, kind) for k, lbl, kind in INDEX_COLUMNS)]
    shown = [{k: r[k] for k in ("name", "answered", "satisfied", "dissatisfied", "index", "rating")} for r in rows]
    return Table(key=key, title=title, columns=columns, rows=shown, links=links or {})


@register_dashboard
class SatisfactionDashboard(Dashboard):
    key = "satisfaction"
    title = gettext_lazy("Satisfaction (满意度)")
    description = gettext_lazy(
        "Survey results and the satisfaction index per region, product line and team; complaints per 10,000 "
        "customers, repeat complaints and complaints to the regulator."
    )
    marts = ("satisfaction_monthly", "tickets_daily", "customer_base_monthly")
    default_period = "month"
    order = 30

    def build(self, user, filters: Filters) -> DashboardData:
        narrow = region_filter(filters, user)
        first, last = filters.months
        surveys = narrow(SatisfactionMonthly.objects.filter(month__gte=first, month__lte=last)).order_by()
        totals = surveys.aggregate(
            invited=Sum("invited"),
            answered=Sum("answered"),
            satisfied=Sum("satisfied"),
            rating_sum=Sum("rating_sum"),
            ratings=Sum("ratings"),
        )
        totals = {k: v or 0 for k, v in totals.items()}

        by_region = _index_rows(surveys, "region_id", region_names(surveys.values_list("region_id", flat=True)))
        # A province manager drills into one region; a regional manager is already there.
        drill = scoped_region(user) is None and filters.region is None
        base_query = {"period": "custom", "date_from": filters.since, "date_to": filters.until}
        region_links = {
            i: "?" + urlencode({**base_query, "region": r["key"]})
            for i, r in enumerate(by_region)
            if drill and r["key"]
        }
        by_line = _index_rows(surveys, "product_line", LINE_LABELS)
        team_ids = surveys.exclude(team_id=None).values_list("team_id", flat=True).distinct()
        by_team = _index_rows(
            surveys, "team_id", dict(OrgUnit.objects.filter(pk__in=team_ids).values_list("pk", "name"))
        )
        complaints = complaints_per_region(filters, user)

        tables = [
            _index_table("by_region", _("Satisfaction per region"), _("Region"), by_region, region_links),
            _index_table("by_product_line", _("Satisfaction per product line"), _("Product line"), by_line),
            _index_table("by_team", _("Satisfaction per team"), _("Team"), by_team),
            _index_table(
                "by_source",
                _("Satisfaction by what the survey was about"),
                _("Survey"),
                _index_rows(surveys, "source", SOURCE_LABELS),
            ),
            Table(
                key="complaints",
                title=_("Complaints per 10,000 customers"),
                columns=[
                    Column("region", _("Region")),
                    Column("customers", _("Customers"), "int"),
                    Column("complaints", _("Complaints"), "int"),
                    Column("rate", _("Per 10,000 customers"), "amount"),
                    Column("repeat", _("Repeat complaints"), "int"),
                    Column("regulator", _("Regulator complaints or risk"), "int"),
                ],
                rows=[{k: v for k, v in r.items() if k != "region_id"} for r in complaints],
                note=_("Customers at the end of the period; complaints opened in the period."),
            ),
        ]

        def index_chart(key, title, rows, links=None):
            shown = [r for r in rows if r["index"] is not None]
            data = {
                "categories": [r["name"] for r in shown],
                "values": [r["index"] for r in shown],
                "series": str(_("Satisfaction (%)")),
            }
            if links:
                data["links"] = [links.get(rows.index(r), "") for r in shown]
            return Chart(key, title, "bar", data)

        charts = [
            chart
            for chart in (
                index_chart("by_region", _("Satisfaction (%) per region"), by_region, region_links),
                index_chart("by_product_line", _("Satisfaction (%) per product line"), by_line),
                index_chart("by_team", _("Satisfaction (%) per team"), by_team),
                Chart(
                    "complaints",
                    _("Complaints per 10,000 customers"),
                    "columns",
                    {
                        "categories": [str(r["region"]) for r in complaints],
                        "series": [{"name": str(_("Per 10,000 customers")), "values": [r["rate"] for r in complaints]}],
                    },
                ),
            )
            if chart.data["categories"]  # no empty chart frames
        ]

        index = satisfaction_percent(totals["satisfied"], totals["answered"])
        complaints_total = sum(r["complaints"] for r in complaints)
        customers_total = sum(r["customers"] for r in complaints)
        figures = [
            Figure(_("Surveys sent"), totals["invited"]),
            Figure(_("Answered"), totals["answered"]),
            Figure(_("Satisfaction index"), float(index) if index is not None else None, "%"),
            Figure(
                _("Average rating"),
                round(Decimal(totals["rating_sum"]) / totals["ratings"], 2) if totals["ratings"] else None,
                "/5",
            ),
            Figure(_("Complaints per 10,000 customers"), rate_per_customers(complaints_total, customers_total)),
            Figure(_("Repeat complaints"), sum(r["repeat"] for r in complaints)),
            Figure(_("Regulator complaints or risk"), sum(r["regulator"] for r in complaints)),
        ]
        return DashboardData(figures=figures, charts=charts, tables=tables)
