"""Manager reports under /orders/: the monthly commission statement of partner halls and agent outlets
(代理商佣金结算单), one outlet's printable statement, and the work orders' time-limit KPIs (时限达标率)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from crm.accounts.models import OrgUnit, Region
from crm.accounts.selectors import regions_visible_to, scoped_region, visibility_scope
from crm.audit.services import audit_export
from crm.ui.exports import csv_response, day_start, query_without_export, xlsx_response

from ..models import OrderType
from ..selectors import reports as selectors
from ..selectors.work import work_type_label

DASHBOARDS = "accounts.view_dashboards"
EXPORT = "accounts.export_lists"
TOP_OUTLETS = 15
KPI_DAYS = 30
MAX_KPI_DAYS = 366


# --- Filters ---------------------------------------------------------------------------------------------------


def last_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def parse_month(value: str) -> datetime.date | None:
    """``YYYY-MM`` → the first day of that month; None when it is not a month."""
    try:
        return datetime.datetime.strptime(value.strip(), "%Y-%m").date()
    except ValueError:
        return None


class RegionFilterForm(forms.Form):
    """A region choice for staff who see the whole province; regional staff see their own region only."""

    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Region.objects.none(),
        required=False,
        empty_label=gettext_lazy("All regions"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if visibility_scope(user).all_regions:
            self.fields["region"].queryset = regions_visible_to(user)
        else:
            del self.fields["region"]


class CommissionFilterForm(RegionFilterForm):
    month = forms.CharField(
        label=gettext_lazy("Month"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    field_order = ["month", "region"]

    def clean_month(self) -> datetime.date | None:
        value = self.cleaned_data["month"]
        if not value:
            return None
        month = parse_month(value)
        if month is None:
            raise ValidationError(_("Enter a month as YYYY-MM."))
        return month


class KpiFilterForm(RegionFilterForm):
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=gettext_lazy("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    field_order = ["since", "until", "region"]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError(_("The period ends before it starts."))
        if since and until and (until - since).days >= MAX_KPI_DAYS:
            raise ValidationError(_("Choose a period of at most %(days)s days.") % {"days": MAX_KPI_DAYS})
        return cleaned


def _filters(form: forms.Form) -> dict:
    """The valid filter values; an invalid form falls back to the defaults (its errors are shown on the page)."""
    return form.cleaned_data if form.is_valid() else {}


def _export(request, *, list_name: str, filename: str, header: list[str], rows: list[list], fmt: str):
    if not request.user.has_perm(EXPORT):
        raise PermissionDenied(_("You may not export this list."))
    audit_export(list_name=list_name, row_count=len(rows), filters=query_without_export(request))
    builder = xlsx_response if fmt == "xlsx" else csv_response
    return builder(filename, request.user, header, rows)


def _money(fmt: str):
    # Excel gets numbers it can add up; CSV keeps the exact decimal text.
    return float if fmt == "xlsx" else str


# --- Commission statement of the month ----------------------------------------------------------------------------


@login_required
@permission_required(DASHBOARDS, raise_exception=True)
def commissions(request):
    """The month's commissions per outlet (default: last month), with a chart of the top outlets and exports."""
    default_month = last_month(timezone.localdate())
    data = request.GET.copy()
    data.setdefault("month", f"{default_month:%Y-%m}")  # the picker shows the month on the page
    form = CommissionFilterForm(data, user=request.user)
    values = _filters(form)
    month = values.get("month") or default_month
    region = values.get("region")
    statement = selectors.commission_statement(request.user, month=month, region=region)
    type_labels = [(value, OrderType(value).label) for value in statement.order_types]

    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        return _commissions_export(request, statement, type_labels, fmt)

    top = statement.outlets[:TOP_OUTLETS]
    chart = {
        "categories": [line.outlet.name for line in top],
        "values": [float(line.amount) for line in top],
        "series": _("Commission (yuan)"),
    }
    lines = [
        {"line": line, "cells": [line.by_type.get(value) for value, _label in type_labels]}
        for line in statement.outlets
    ]
    context = {
        "form": form,
        "month": month,
        "region": region,
        "scope_region": scoped_region(request.user),
        "statement": statement,
        "type_labels": type_labels,
        "lines": lines,
        "type_totals": [
            sum(line.by_type[value].orders for line in statement.outlets if value in line.by_type)
            for value, _label in type_labels
        ],
        "chart": chart,
        "top_outlets": TOP_OUTLETS,
        "can_export": request.user.has_perm(EXPORT),
        "filter_query": query_without_export(request),
    }
    return render(request, "orders/reports/commissions.html", context)


def _commissions_export(request, statement, type_labels: list[tuple[str, str]], fmt: str):
    money = _money(fmt)
    header = [_("Outlet code"), _("Outlet"), _("Kind"), _("Region"), pgettext("count", "Orders"), _("Amount (yuan)")]
    for _value, label in type_labels:
        header += [_("%(type)s: orders") % {"type": label}, _("%(type)s: amount (yuan)") % {"type": label}]
    rows = []
    for line in statement.outlets:
        outlet = line.outlet
        row = [
            outlet.code,
            outlet.name,
            outlet.get_kind_display(),
            outlet.region or "",
            line.orders,
            money(line.amount),
        ]
        for value, _label in type_labels:
            total = line.by_type.get(value) or selectors.TypeTotal(0, Decimal("0.00"))
            row += [total.orders, money(total.amount)]
        rows.append(row)
    return _export(request, list_name="orders.commissions", filename=f"commissions-{statement.month:%Y-%m}",
                   header=header, rows=rows, fmt=fmt)  # fmt: skip


# --- One outlet's statement ------------------------------------------------------------------------------------


@login_required
@permission_required(DASHBOARDS, raise_exception=True)
def commission_statement(request, outlet_code: str, month: str):
    """One outlet's commissioned orders of a month, laid out to print (or export) as its statement."""
    first_day = parse_month(month) if len(month) == 7 else None
    if first_day is None:
        raise Http404
    try:
        statement = selectors.outlet_commission_statement(request.user, outlet_code=outlet_code, month=first_day)
    except OrgUnit.DoesNotExist as exc:
        raise Http404 from exc

    fmt = request.GET.get("export")
    if fmt in ("csv", "xlsx"):
        return _statement_export(request, statement, fmt)

    context = {
        "statement": statement,
        "outlet": statement.outlet,
        "month": first_day,
        "can_export": request.user.has_perm(EXPORT),
        "printed_at": timezone.localtime(),
    }
    return render(request, "orders/reports/commission_statement.html", context)


def _statement_export(request, statement, fmt: str):
    money = _money(fmt)
    header = [_("Order number"), _("Completed"), _("Order type"), _("Offering"), _("Amount (yuan)")]
    rows = []
    for entry in statement.entries:
        order = entry.order
        completed = timezone.localtime(order.completed_at).strftime("%Y-%m-%d %H:%M") if order.completed_at else ""
        offering = order.offering.name if order.offering_id else ""
        rows.append([order.order_no, completed, order.get_order_type_display(), offering, money(entry.amount)])
    filename = f"commission-{statement.outlet.code}-{statement.month:%Y-%m}"
    return _export(request, list_name="orders.commission_statement", filename=filename, header=header, rows=rows,
                   fmt=fmt)  # fmt: skip


# --- Time-limit KPIs ---------------------------------------------------------------------------------------------


def late_text(delta: datetime.timedelta) -> str:
    """How late, to the minute: "2 d 3 h", "5 h 12 min", "40 min"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def _percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.1f}"


@login_required
@permission_required(DASHBOARDS, raise_exception=True)
def sla_kpis(request):
    """On-time rate per work type against its target over a period (default: the last 30 days), recent breaches."""
    today = timezone.localdate()
    data = request.GET.copy()
    if not data.get("since") and not data.get("until"):  # the pickers show the default period
        data["since"], data["until"] = str(today - datetime.timedelta(days=KPI_DAYS - 1)), str(today)
    form = KpiFilterForm(data, user=request.user)
    values = _filters(form)
    until_day = values.get("until") or today
    since_day = values.get("since") or until_day - datetime.timedelta(days=KPI_DAYS - 1)
    region = values.get("region")
    since, until = day_start(since_day), day_start(until_day + datetime.timedelta(days=1))
    kpis = selectors.work_order_kpis(request.user, since=since, until=until, region=region)

    if request.GET.get("export") == "csv":
        header = [_("Work type"), _("Finished"), _("On time"), _("Late"), _("On time (%)"), _("Target (%)"),
                  _("Target met")]  # fmt: skip
        met = {True: _("yes"), False: _("no"), None: ""}
        rows = [
            [work_type_label(k.work_type), k.finished, k.on_time, k.late, _percent(k.on_time_percent),
             _percent(k.target_percent), met[k.meets_target]]
            for k in kpis
        ]  # fmt: skip
        return _export(request, list_name="orders.sla_kpis", filename=f"time-limits-{since_day}-{until_day}",
                       header=header, rows=rows, fmt="csv")  # fmt: skip

    finished = sum(k.finished for k in kpis)
    on_time = sum(k.on_time for k in kpis)
    overall = (Decimal(on_time) * 100 / finished).quantize(Decimal("0.01")) if finished else None
    breaches = selectors.recent_work_order_breaches(request.user, since=since, until=until, region=region)
    chart = {
        "categories": [work_type_label(k.work_type) for k in kpis],
        "values": [float(k.on_time_percent) if k.on_time_percent is not None else None for k in kpis],
        "targets": [float(k.target_percent) if k.target_percent is not None else None for k in kpis],
        "series": _("On time (%)"),
        "target_series": _("Target (%)"),
    }
    context = {
        "form": form,
        "since": since_day,
        "until": until_day,
        "region": region,
        "scope_region": scoped_region(request.user),
        "kpis": [{"kpi": k, "label": work_type_label(k.work_type)} for k in kpis],
        "totals": {"finished": finished, "on_time": on_time, "late": finished - on_time, "percent": overall},
        "breaches": [
            {"line": line, "late": late_text(line.late_by), "work_type": work_type_label(line.breach.work_type)}
            for line in breaches
        ],
        "breach_limit": selectors.RECENT_BREACHES,
        "chart": chart,
        "can_export": request.user.has_perm(EXPORT),
        "filter_query": query_without_export(request),
    }
    return render(request, "orders/reports/sla_kpis.html", context)


urlpatterns = [
    path("commissions/", commissions, name="commissions"),
    path("commissions/<str:outlet_code>/<str:month>/", commission_statement, name="commission_statement"),
    path("time-limits/", sla_kpis, name="sla_kpis"),
]
