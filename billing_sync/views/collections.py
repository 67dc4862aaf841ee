"""Collection work lists for the branches (催缴工作台): who owes what by age, open tasks, and one case's page with
its actions (contact result, promise, instalments, agency, write-off). Writes go through services/collections."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.ui.lists import Column, StaffListView

from .. import forms
from ..models import CollectionTask, DunningCase, WriteOff
from ..selectors import collections as selectors
from ..services import collections as services

MANAGE = "accounts.manage_collections"
APPROVE = "accounts.approve_sensitive"


def _days(case) -> int:
    return (timezone.localdate() - case.overdue_since).days


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


class CaseListView(StaffListView):
    """Live cases of the region with age buckets, filters, totals per bucket and export."""

    list_key = "collection_cases"
    title = gettext_lazy("Collections")
    template_name = "billing_sync/collections/cases.html"
    permission_required = MANAGE
    filterset_class = forms.CaseFilterSet
    default_sort = "overdue_since"
    personal_data = True
    columns = [
        Column("customer.party.name", gettext_lazy("customer"), sort="customer__party__name",
               link=lambda c: reverse("collections:case", args=[c.pk])),
        Column("account.account_no", gettext_lazy("account"), sort="account__account_no"),
        Column("arrears", gettext_lazy("arrears"), sort="arrears"),
        Column("days", gettext_lazy("days overdue"), sort="overdue_since", value=_days),
        Column("bucket", gettext_lazy("age"), value=lambda c: selectors.bucket_of(_days(c))),
        Column("phase", gettext_lazy("phase"), sort="phase"),
        Column("status", gettext_lazy("status"), sort="status"),
        Column("region.name", gettext_lazy("region"), sort="region__code"),
        Column("agency", gettext_lazy("agency"), sort="agency"),
        Column("assigned_to.username", gettext_lazy("collector"), sort="assigned_to__username"),
        Column("next_task_at", gettext_lazy("next task"), sort="next_task_at", value=lambda c: _local(c.next_task_at)),
    ]  # fmt: skip

    def get_base_queryset(self):
        return selectors.cases_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        totals = selectors.bucket_totals(self.object_list)
        context["buckets"] = totals
        context["chart"] = {
            "labels": [str(b["label"]) for b in totals],
            "arrears": [float(b["arrears"]) for b in totals],
            "counts": [b["count"] for b in totals],
        }
        return context


class TaskListView(StaffListView):
    """Open collection tasks of the region or assigned to me; each opens the form to record the result."""

    list_key = "collection_tasks"
    title = gettext_lazy("Collection tasks")
    permission_required = MANAGE
    filterset_class = forms.TaskFilterSet
    default_sort = "due_at"
    personal_data = True
    columns = [
        Column("due_at", gettext_lazy("due"), sort="due_at",
               link=lambda t: reverse("collections:task", args=[t.pk])),
        Column("kind", gettext_lazy("kind"), sort="kind"),
        Column("customer.party.name", gettext_lazy("customer"), sort="customer__party__name",
               link=lambda t: reverse("collections:case", args=[t.case_id])),
        Column("case.account.account_no", gettext_lazy("account"), sort="case__account__account_no"),
        Column("case.arrears", gettext_lazy("arrears"), sort="case__arrears"),
        Column("phase", gettext_lazy("phase"), sort="phase"),
        Column("assigned_to.username", gettext_lazy("assigned to"), sort="assigned_to__username"),
    ]  # fmt: skip

    def get_base_queryset(self):
        return selectors.tasks_visible_to(self.request.user)


def _manage_required(view):
    def wrapper(request, *args, **kwargs):
        if not request.user.has_perm(MANAGE):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapper.__name__, wrapper.__doc__ = view.__name__, view.__doc__
    return login_required(wrapper)


@_manage_required
def task_detail(request, pk: int):
    """One open task: record the result of the call or visit (closes the task)."""
    try:
        task = selectors.task_for(request.user, pk)
    except CollectionTask.DoesNotExist as exc:
        raise Http404 from exc
    form = forms.ContactForm(request.POST or None, initial={"task": task.pk})
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_record(task=task, outcome=form.cleaned_data["outcome"], note=form.cleaned_data["note"],
                                    actor=request.user)  # fmt: skip
        except services.CollectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Result recorded."))
            return redirect("collections:tasks")
    return render(request, "billing_sync/collections/task.html", {"task": task, "form": form})


ACTIONS = ("contact", "promise", "instalments", "assign", "agency", "write_off_request", "write_off_decide")


@_manage_required
def case_detail(request, pk: int):
    """A case: account, open bills, steps, tasks, promises, instalments, write-offs, and the actions as small forms."""
    try:
        case = selectors.case_for(request.user, pk)
    except DunningCase.DoesNotExist as exc:
        raise Http404 from exc
    action = request.POST.get("action", "") if request.method == "POST" else ""
    bound = {name: (request.POST if action == name else None) for name in ACTIONS}
    context_forms = {
        "contact": forms.ContactForm(bound["contact"]),
        "promise": forms.PromiseForm(bound["promise"]),
        "instalments": forms.InstalmentForm(bound["instalments"]),
        "assign": forms.AssignForm(bound["assign"], region_id=case.region_id),
        "agency": forms.AgencyForm(bound["agency"]),
        "write_off_request": forms.WriteOffRequestForm(bound["write_off_request"]),
        "write_off_decide": forms.WriteOffDecisionForm(bound["write_off_decide"]),
    }
    if action in ACTIONS:
        form = context_forms[action]
        if form.is_valid():
            try:
                done = _act(request, case, action, form.cleaned_data)
            except services.CollectionRefused as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, done)
                return redirect("collections:case", pk=case.pk)
    pending = case.write_offs.filter(state=WriteOff.State.REQUESTED).select_related("requested_by").first()
    context = {
        "case": case,
        "days": _days(case),
        "bucket": selectors.bucket_of(_days(case)),
        "bills": selectors.open_bills(case),
        "actions": case.actions.select_related("actor").order_by("at", "id"),
        "tasks": case.tasks.select_related("assigned_to", "done_by").order_by("-due_at"),
        "promises": case.promises.select_related("created_by"),
        "plans": case.instalment_plans.prefetch_related("instalments"),
        "write_offs": case.write_offs.select_related("requested_by", "decided_by"),
        "open_tasks": case.tasks.filter(state=CollectionTask.State.OPEN).order_by("due_at"),
        "pending_write_off": pending,
        "can_decide": pending is not None and request.user.has_perm(APPROVE)
        and pending.requested_by_id != request.user.pk,
        "forms": context_forms,
    }  # fmt: skip
    return render(request, "billing_sync/collections/case.html", context)


def _act(request, case: DunningCase, action: str, data: dict) -> str:
    user = request.user
    if action == "contact":
        try:
            task = case.tasks.get(pk=data["task"])
        except CollectionTask.DoesNotExist:
            raise services.CollectionRefused(_("Choose a task of this case.")) from None
        services.contact_record(task=task, outcome=data["outcome"], note=data["note"], actor=user)
        return _("Result recorded.")
    if action == "promise":
        services.promise_record(case=case, promised_on=data["promised_on"], amount=data["amount"], actor=user)
        return _("Promise recorded; the case waits until %(date)s.") % {"date": data["promised_on"].isoformat()}
    if action == "instalments":
        services.instalment_plan_create(case=case, count=data["count"], first_due=data["first_due"], actor=user)
        return _("Instalment plan recorded.")
    if action == "assign":
        services.case_assign(case=case, collector=data["collector"], actor=user)
        return _("Collector: %(who)s.") % {"who": data["collector"].get_username()}
    if action == "agency":
        services.agency_hand_over(case=case, agency=data["agency"], actor=user)
        return _("Handed to %(agency)s.") % {"agency": data["agency"]}
    if action == "write_off_request":
        services.write_off_request(case=case, reason=data["reason"], actor=user)
        return _("Write-off requested; a supervisor decides.")
    write_off = data["write_off"]
    if write_off.case_id != case.pk:
        raise services.CollectionRefused(_("This write-off belongs to another case."))
    approve = data["decision"] == "approve"
    services.write_off_decide(write_off=write_off, approver=user, approve=approve, note=data["note"])
    return _("Write-off approved; the case is closed.") if approve else _("Write-off refused.")
