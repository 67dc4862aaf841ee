"""Manager dashboards (管理驾驶舱) under /analytics/dashboards/: the index, one dashboard page with its filters,
charts, tables and drill-down, its export (one workbook or zip of all tables, or one table), and report
subscriptions (定期报表)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import select_template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.audit.services import audit_export
from crm.db_router import reading_from_replica
from crm.ui.exports import watermark

from .dashboards.base import PeriodForm, dashboard, dashboards, filters_from
from .dashboards.files import tables_download
from .dashboards.marts import marts_last_refreshed
from .dashboards.reports import report_subscribe, report_unsubscribe
from .models import ReportSubscription
from .selectors import report_subscriptions_of

EXPORT_PERMISSION = "accounts.export_lists"


class SubscribeForm(forms.Form):
    frequency = forms.ChoiceField(label=gettext_lazy("Send"), choices=ReportSubscription.Frequency.choices)
    file_format = forms.ChoiceField(label=gettext_lazy("As"), choices=ReportSubscription.Format.choices)
    email = forms.EmailField(label=gettext_lazy("To"))


def _board(request, key: str):
    try:
        board = dashboard(key)
    except LookupError:
        raise Http404 from None
    if not request.user.has_perm(board.permission):
        raise PermissionDenied
    return board


@login_required
def dashboard_index(request):
    """The dashboards the user may see, with when their data was last refreshed."""
    boards = [b for b in dashboards() if request.user.has_perm(b.permission)]
    if not boards:
        raise PermissionDenied
    rows = [(b, marts_last_refreshed(b.marts)) for b in boards]
    return render(request, "analytics/dashboards/index.html", {"rows": rows})


def _download(request, board, filters, tables, *, kind: str, table_key: str | None) -> HttpResponse:
    if not request.user.has_perm(EXPORT_PERMISSION):
        raise PermissionDenied
    if table_key:
        tables = [t for t in tables if t.key == table_key]
        if not tables:
            raise Http404
    mark = watermark(request.user)
    stamp = f"{board.key}-{filters.since}-{filters.until}"
    response = tables_download(tables, kind=kind, table_key=table_key, stamp=stamp, watermark=mark)
    audit_export(
        list_name=f"dashboard:{board.key}" + (f":{table_key}" if table_key else ""),
        row_count=sum(len(t.rows) for t in tables),
        filters=request.GET.urlencode(),
        actor=request.user,
    )
    return response


@login_required
def dashboard_page(request, key: str):
    """One dashboard: figures, charts, tables with drill-down links; ``?export=xlsx|csv[&table=k]`` downloads."""
    board = _board(request, key)
    form = PeriodForm(request.GET or None, user=request.user, default_period=board.default_period)
    extra = {k: request.GET[k] for k in board.params if request.GET.get(k)}
    filters = filters_from(form, request.user, extra=extra)
    with reading_from_replica():  # aggregates: the read replica when there is one
        data = board.build(request.user, filters)
    export = request.GET.get("export")
    if export in ("xlsx", "csv"):
        return _download(request, board, filters, data.tables, kind=export, table_key=request.GET.get("table"))
    query = request.GET.copy()
    for name in ("export", "table"):
        query.pop(name, None)
    template = select_template([f"analytics/dashboards/{board.key}.html", "analytics/dashboards/page.html"])
    context = {
        "board": board,
        "form": form,
        "filters": filters,
        "data": data,
        "refreshed": marts_last_refreshed(board.marts),
        "query": query.urlencode(),
        "can_export": request.user.has_perm(EXPORT_PERMISSION),
        "subscribe_form": SubscribeForm(initial={"email": request.user.email, "frequency": "weekly"}),
        "now": timezone.now(),
    }
    return HttpResponse(template.render(context, request))


@login_required
@require_POST
def dashboard_subscribe(request, key: str):
    board = _board(request, key)
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how often, as what and to which address the report is sent."))
    else:
        report_subscribe(
            owner=request.user,
            dashboard_key=board.key,
            params=dict(request.GET.items()),
            frequency=form.cleaned_data["frequency"],
            file_format=form.cleaned_data["file_format"],
            email=form.cleaned_data["email"],
        )
        messages.success(request, _("Subscribed: %(title)s will be e-mailed to %(email)s.")
                         % {"title": board.title, "email": form.cleaned_data["email"]})  # fmt: skip
    query = request.GET.urlencode()
    return redirect(f"{request.path.removesuffix('subscribe/')}" + (f"?{query}" if query else ""))


@login_required
def subscriptions(request):
    """My report subscriptions with their last deliveries; end one."""
    if request.method == "POST":
        pk = request.POST.get("subscription", "")
        if not pk.isdigit():
            raise Http404
        subscription = get_object_or_404(ReportSubscription, pk=int(pk), owner=request.user)
        report_unsubscribe(subscription=subscription, actor=request.user)
        messages.success(request, _("The subscription has ended."))
        return redirect("analytics:subscriptions")
    rows = report_subscriptions_of(request.user)
    return render(request, "analytics/dashboards/subscriptions.html", {"rows": rows})
