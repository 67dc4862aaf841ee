"""Staff pages of the surveys under /feedback/: the open follow-up tasks of my region, the satisfaction index."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.accounts.models import Region
from crm.accounts.selectors import regions_visible_to, scoped_region, visibility_scope
from crm.audit.services import audit_export
from crm.ui.exports import csv_response, day_start, query_without_export

from . import selectors, services

DASHBOARDS = "accounts.view_dashboards"
HANDLE = "accounts.handle_interactions"
EXPORT = "accounts.export_lists"
INDEX_DAYS = 30
MAX_INDEX_DAYS = 366
GROUP_LABELS = {
    "region": gettext_lazy("Region"),
    "team": gettext_lazy("Team"),
    "product_kind": gettext_lazy("Product"),
}


def _may_handle_care_tasks(user) -> bool:
    return user.has_perm(HANDLE) or user.has_perm(DASHBOARDS)


# --- Care tasks (关怀/跟进任务) ----------------------------------------------------------------------------------


class CareTaskDoneForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("What was done"), max_length=300, widget=forms.TextInput())


@login_required
def care_tasks(request):
    """The open follow-up tasks of my region, most urgent first, each with a form to close it."""
    if not _may_handle_care_tasks(request.user):
        raise PermissionDenied
    tasks = list(selectors.care_tasks_open(request.user)[:200])
    now = timezone.now()
    context = {"tasks": tasks, "now": now, "form": CareTaskDoneForm()}
    return render(request, "feedback/care_tasks.html", context)


@login_required
@require_POST
def care_task_done(request, pk: int):
    if not _may_handle_care_tasks(request.user):
        raise PermissionDenied
    task = selectors.care_tasks_open(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404
    form = CareTaskDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was done before closing the task."))
        return redirect("feedback:care_tasks")
    try:
        services.care_task_done(task=task, actor=request.user, note=form.cleaned_data["note"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Task closed."))
    return redirect("feedback:care_tasks")


# --- Satisfaction index (满意度指数) ------------------------------------------------------------------------------


class IndexFilterForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        label=gettext_lazy("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    group_by = forms.ChoiceField(
        label=gettext_lazy("Per"), choices=list(GROUP_LABELS.items()), required=False, initial="region"
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"), queryset=Region.objects.none(), required=False,
        empty_label=gettext_lazy("All regions"),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if visibility_scope(user).all_regions:
            self.fields["region"].queryset = regions_visible_to(user)
        else:
            del self.fields["region"]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError(_("The period ends before it starts."))
        if since and until and (until - since).days >= MAX_INDEX_DAYS:
            raise ValidationError(_("Choose a period of at most %(days)s days.") % {"days": MAX_INDEX_DAYS})
        return cleaned


def _percent(value) -> str:
    return "" if value is None else f"{value:.1f}"


@login_required
def satisfaction(request):
    """Answered surveys and the share of satisfied ones per region, team or product over a period (default 30 days)."""
    if not request.user.has_perm(DASHBOARDS):
        raise PermissionDenied
    today = timezone.localdate()
    data = request.GET.copy()
    if not data.get("since") and not data.get("until"):  # the pickers show the default period
        data["since"], data["until"] = str(today - datetime.timedelta(days=INDEX_DAYS - 1)), str(today)
    data.setdefault("group_by", "region")
    form = IndexFilterForm(data, user=request.user)
    values = form.cleaned_data if form.is_valid() else {}
    until_day = values.get("until") or today
    since_day = values.get("since") or until_day - datetime.timedelta(days=INDEX_DAYS - 1)
    group_by = values.get("group_by") or "region"
    region = values.get("region")
    rows = selectors.satisfaction_index(
        since=day_start(since_day),
        until=day_start(until_day + datetime.timedelta(days=1)),
        group_by=group_by,
        region=region,
        user=request.user,
    )
    total = selectors.satisfaction_total(rows)
    group_label = str(GROUP_LABELS[group_by])

    if request.GET.get("export") == "csv":
        if not request.user.has_perm(EXPORT):
            raise PermissionDenied(_("You may not export this list."))
        header = [group_label, _("Answered"), _("Satisfied"), _("Dissatisfied"), _("Satisfaction (%)")]
        lines = [[r.label, r.answered, r.satisfied, r.dissatisfied, _percent(r.index)] for r in rows]
        audit_export(list_name="feedback.satisfaction", row_count=len(lines), filters=query_without_export(request))
        return csv_response(f"satisfaction-{group_by}-{since_day}-{until_day}", request.user, header, lines)

    chart = {
        "categories": [str(r.label) for r in rows if r.index is not None],
        "values": [float(r.index) for r in rows if r.index is not None],
        "series": _("Satisfaction (%)"),
    }
    context = {
        "form": form,
        "rows": rows,
        "total": total,
        "since": since_day,
        "until": until_day,
        "region": region,
        "group_label": group_label,
        "scope_region": scoped_region(request.user),
        "chart": chart,
        "can_export": request.user.has_perm(EXPORT),
        "filter_query": query_without_export(request),
    }
    return render(request, "feedback/satisfaction.html", context)


urlpatterns = [
    path("care-tasks/", care_tasks, name="care_tasks"),
    path("care-tasks/<int:pk>/done/", care_task_done, name="care_task_done"),
    path("satisfaction/", satisfaction, name="satisfaction"),
]
