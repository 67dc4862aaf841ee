"""The campaign report as the pages and the export show it: its tables (summary, by channel, by segment, by offer,
members without personal data), the uplift in percentage points, and the conversion chart (targeted against the
control group) drawn by static/js/charts.js."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.dashboards.base import Chart, Column, Table
from analytics.models import Campaign, CampaignMember
from analytics.segments.rfm import SEGMENT_BY_CODE
from crm.ui.exports import MAX_EXPORT_ROWS

from .forms import CHANNEL_LABELS
from .selectors import CampaignReport, campaign_members_for_export


def _points(value: float) -> str:
    return _("%(value)s pp") % {"value": f"{value * 100:+.1f}"}


def effect_shown(effect) -> dict:
    """Uplift and its interval in percentage points, as the pages show them."""
    return {
        "uplift": _points(effect.uplift),
        "low": _points(effect.ci_low),
        "high": _points(effect.ci_high),
        "treated_rate": f"{effect.treated_rate * 100:.1f} %",
        "control_rate": f"{effect.control_rate * 100:.1f} %",
    }


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def _segment(code: str) -> str:
    segment = SEGMENT_BY_CODE.get(code)
    return str(segment.label) if segment else (code or _("(none)"))


def _summary_rows(report: CampaignReport) -> list[dict]:
    rows = [
        (_("members"), report.members),
        (_("control group (not contacted)"), report.control),
        (_("targeted"), report.targeted),
        (_("contacted"), report.contacted),
        (_("accepted"), report.accepted),
        (_("not contacted (contact policy)"), report.suppressed),
    ]
    effect = report.effect
    if effect is not None:
        rows += [
            (_("conversion of the targeted (%)"), _percent(effect.treated_rate)),
            (_("conversion of the control group (%)"), _percent(effect.control_rate)),
            (_("uplift (percentage points)"), _percent(effect.uplift)),
            (_("interval low end (95%)"), _percent(effect.ci_low)),
            (_("interval high end (95%)"), _percent(effect.ci_high)),
            (_("significant"), _("yes") if effect.significant else _("no")),
            (_("incremental conversions"), round(effect.incremental_conversions, 1)),
        ]
    rows += [
        (_("monthly revenue of the targeted's conversions (yuan)"), report.treated_revenue),
        (_("monthly revenue of the control group's conversions (yuan)"), report.control_revenue),
    ]
    if effect is not None and effect.incremental_revenue is not None:
        rows.append((_("incremental monthly revenue (yuan)"), round(effect.incremental_revenue, 2)))
    return [{"figure": label, "value": value} for label, value in rows]


def _channel_row(row: dict) -> dict:
    return {
        **row,
        "channel": str(CHANNEL_LABELS.get(row["channel"], row["channel"])),
        "response": _percent(row["response_rate"]),
        "conversion": _percent(row["conversion_rate"]),
    }


def _segment_row(row: dict) -> dict:
    return {
        **row,
        "segment": _segment(row["segment"]),
        "targeted_rate": _percent(row["targeted_rate"]),
        "held_out_rate": _percent(row["held_out_rate"]),
        "uplift": _percent(row["uplift"]),
    }


def report_tables(report: CampaignReport) -> list[Table]:
    return [
        Table(
            "summary",
            gettext_lazy("Summary"),
            [Column("figure", gettext_lazy("figure")), Column("value", gettext_lazy("value"))],
            _summary_rows(report),
        ),
        Table(
            "channels",
            gettext_lazy("By channel"),
            [
                Column("channel", gettext_lazy("channel")),
                Column("contacted", gettext_lazy("contacted"), "int"),
                Column("answered", gettext_lazy("answered"), "int"),
                Column("accepted", gettext_lazy("accepted"), "int"),
                Column("response", gettext_lazy("response %"), "percent"),
                Column("conversion", gettext_lazy("acceptance %"), "percent"),
                Column("converted", gettext_lazy("ordered an offer"), "int"),
            ],
            [_channel_row(row) for row in report.by_channel],
            note=gettext_lazy(
                "Targeted customers contacted through each channel (the control group is never contacted)."
            ),
        ),
        Table(
            "segments",
            gettext_lazy("By segment"),
            [
                Column("segment", gettext_lazy("segment")),
                Column("targeted", gettext_lazy("targeted"), "int"),
                Column("targeted_converted", gettext_lazy("targeted converted"), "int"),
                Column("targeted_rate", gettext_lazy("targeted conversion %"), "percent"),
                Column("held_out", gettext_lazy("control"), "int"),
                Column("held_out_converted", gettext_lazy("control converted"), "int"),
                Column("held_out_rate", gettext_lazy("control conversion %"), "percent"),
                Column("uplift", gettext_lazy("uplift (points)"), "percent"),
            ],
            [_segment_row(row) for row in report.by_segment],
        ),
        Table(
            "offers",
            gettext_lazy("Conversions by offer"),
            [
                Column("offering", gettext_lazy("offer")),
                Column("monthly", gettext_lazy("monthly fee (yuan)"), "amount"),
                Column("targeted", gettext_lazy("targeted converted"), "int"),
                Column("control", gettext_lazy("control converted"), "int"),
            ],
            list(report.conversions_by_offer),
        ),
    ]


def members_table(campaign: Campaign, user) -> Table:
    outcomes = dict(CampaignMember.Outcome.choices)
    rows = []
    members = campaign_members_for_export(campaign, user)[:MAX_EXPORT_ROWS]
    for customer_no, region, segment, control, outcome, channel, responded, order_no in members.iterator(5000):
        rows.append(
            {
                "customer": customer_no,
                "region": region or "",
                "segment": segment,
                "control": _("yes") if control else _("no"),
                "outcome": str(outcomes.get(outcome, outcome)),
                "channel": str(CHANNEL_LABELS.get(channel, channel)),
                "responded": timezone.localtime(responded).strftime("%Y-%m-%d %H:%M") if responded else "",
                "order": order_no or "",
            }
        )
    columns = [
        Column("customer", gettext_lazy("customer number")),
        Column("region", gettext_lazy("region")),
        Column("segment", gettext_lazy("segment")),
        Column("control", gettext_lazy("control group")),
        Column("outcome", gettext_lazy("outcome")),
        Column("channel", gettext_lazy("channel")),
        Column("responded", gettext_lazy("responded")),
        Column("order", gettext_lazy("order number")),
    ]
    return Table("members", gettext_lazy("Members"), columns, rows)


def conversion_chart(report: CampaignReport) -> Chart | None:
    """Conversion of the targeted against the control group, overall and per segment."""
    if report.effect is None:
        return None
    categories = [_("All")]
    targeted, control = [_percent(report.effect.treated_rate)], [_percent(report.effect.control_rate)]
    for row in report.by_segment:
        categories.append(_segment(row["segment"]))
        targeted.append(_percent(row["targeted_rate"]))
        control.append(_percent(row["held_out_rate"]))
    data = {
        "categories": categories,
        "series": [
            {"name": _("Targeted: conversion %"), "values": targeted},
            {"name": _("Control group: conversion %"), "values": control},
        ],
        "stacked": False,
    }
    return Chart("conversion", gettext_lazy("Conversion: targeted against the control group"), "columns", data)
