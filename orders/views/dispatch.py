"""Dispatch pages (调度): the kanban board with assign / auto-assign / reassign, a work order's page with hold and
resume, and the back-office queue of steps people complete. Board actions answer htmx with the refreshed board and
plain POSTs with a redirect."""

from __future__ import annotations

from urllib.parse import urlencode

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.accounts.models import Grid, OrgUnit
from crm.sla.display import SLA_LABELS, time_left_text
from crm.ui.lists import Column, StaffListView

from ..models import StepKind, WorkOrder, WorkOrderStep
from ..selectors import work as selectors
from ..services import work
from ..services.intake import OrderStateError

DISPATCH = "accounts.dispatch_work_orders"
VIEW_READ_ONLY = "accounts.view_dashboards"
SERVICE_ERRORS = (work.WorkOrderError, OrderStateError, ValueError, PermissionError)


def label_cards(cards) -> list:
    for card in cards:
        card.sla_label = SLA_LABELS.get(card.sla_state, "")
        card.left_text = time_left_text(card.time_left) if card.sla_state not in ("met", "late", "none") else ""
    return cards


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Board ------------------------------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Work order, order number or address"), required=False, max_length=100)
    grid = forms.ModelChoiceField(label=gettext_lazy("grid"), queryset=Grid.objects.none(), required=False)
    team = forms.ModelChoiceField(label=gettext_lazy("team"), queryset=OrgUnit.objects.none(), required=False)
    overdue = forms.BooleanField(label=gettext_lazy("Overdue only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = selectors.grids_for_board(user).order_by("code")
        self.fields["team"].queryset = selectors.field_teams_for(user)


def board_context(request, params: QueryDict) -> dict:
    form = BoardFilterForm(params, user=request.user)
    form.is_valid()  # a bad parameter is shown as an error and ignored; the others still filter
    data = form.cleaned_data
    board = selectors.dispatch_board(
        request.user,
        grid=data.get("grid"),
        team=data.get("team"),
        overdue=bool(data.get("overdue")),
        q=data.get("q") or "",
    )
    for column in board.columns:
        label_cards(column.cards)
    query = urlencode([(k, v) for k, v in params.items() if k in form.fields and v])
    return {"board": board, "filter_form": form, "board_query": query}


@login_required
@permission_required(DISPATCH, raise_exception=True)
def dispatch_board_view(request):
    context = board_context(request, request.GET)
    if _is_htmx(request) and request.headers.get("HX-Target") == "board":
        return render(request, "orders/dispatch/_board.html", context)
    return render(request, "orders/dispatch/board.html", context)


def _board_response(request):
    """After a board action: the refreshed board for htmx, a redirect to the board (same filters) otherwise."""
    query = request.POST.get("board_query", "")
    if _is_htmx(request):
        context = {**board_context(request, QueryDict(query)), "show_messages": True}
        return render(request, "orders/dispatch/_board.html", context)
    return redirect(f"{reverse('orders:dispatch_board')}?{query}" if query else reverse("orders:dispatch_board"))


def posted_version(request) -> int | None:
    """The work order's version the page was loaded with (hidden ``version`` field); None if the form has none."""
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def stale_error(request, work_order: WorkOrder) -> work.StaleVersion | None:
    """The conflict when the form was loaded from an older version than the work order's now (changed before this
    request); the service checks again under the row lock for a change made while the request runs."""
    version = posted_version(request)
    return work.StaleVersion(work_order) if version is not None and version != work_order.version else None


def conflict_shown(form, exc: Exception, *, on_form: bool = True) -> str:
    """Only the conflict is shown (on the form, or by the caller above the page's forms when the form may no longer
    be offered): the form's other errors would be about a work order the user has not seen yet."""
    form.full_clean()
    form.errors.clear()
    if on_form:
        form.add_error(None, str(exc))
    return str(exc)


def _visible_work_order(request, wo_no: str) -> WorkOrder:
    try:
        return selectors.work_orders_visible_to(request.user).select_related("order").get(wo_no=wo_no)
    except WorkOrder.DoesNotExist as exc:
        raise Http404 from exc


# --- Assign, auto-assign, reassign -------------------------------------------------------------------------


class AssignForm(forms.Form):
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=OrgUnit.objects.none())
    technician = forms.ModelChoiceField(
        label=gettext_lazy("Technician (optional)"), queryset=get_user_model().objects.none(), required=False
    )
    appointment_at = forms.DateTimeField(
        label=gettext_lazy("Appointment"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=255)
    board_query = forms.CharField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, work_order: WorkOrder, teams: list[OrgUnit], **kwargs):
        super().__init__(*args, **kwargs)
        self.reassigning = work_order.state != WorkOrder.State.OPEN
        load = work.team_load([t.pk for t in teams])
        self.fields["team"].queryset = OrgUnit.objects.filter(pk__in=[t.pk for t in teams]).order_by("code")
        self.fields["team"].label_from_instance = lambda t: (
            _("%(team)s (%(n)d open)")
            % {
                "team": t.name,
                "n": load.get(t.pk, 0),
            }
        )
        self.fields["technician"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, staff_profile__role="field_technician", staff_profile__org_unit__in=teams)
            .select_related("staff_profile__org_unit")
            .order_by("staff_profile__org_unit__code", "username")
        )
        self.fields["technician"].label_from_instance = lambda u: (
            f"{u.last_name}{u.first_name or ''} ({u.username}) · {u.staff_profile.org_unit.name}"
        )
        self.fields["reason"].required = self.reassigning
        if not self.reassigning:
            self.fields["reason"].widget = forms.HiddenInput()


def _teams_for(work_order: WorkOrder, user) -> list[OrgUnit]:
    """The teams covering the work order's grid; without any, every field team of its region (the dispatcher
    decides)."""
    teams = work.teams_covering(work_order.grid_id, work_order.region_id)
    return teams or list(selectors.field_teams_for(user).filter(region_id=work_order.region_id))


@login_required
@permission_required(DISPATCH, raise_exception=True)
def work_order_assign_view(request, wo_no: str):
    """GET: the assign (or reassign) form; POST: dispatch to a team and optionally one of its technicians."""
    work_order = _visible_work_order(request, wo_no)
    initial = {"board_query": request.GET.get("board_query", ""), "team": work_order.team_id,
               "version": work_order.version}  # fmt: skip
    form = AssignForm(
        request.POST or None, initial=initial, work_order=work_order, teams=_teams_for(work_order, request.user)
    )
    stale = stale_error(request, work_order) if request.method == "POST" else None
    if stale is not None:
        conflict_shown(form, stale)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            work.work_order_assign(
                work_order=work_order,
                actor=request.user,
                team=data["team"],
                technician=data["technician"],
                reason=data["reason"],
                appointment_at=data["appointment_at"],
                expected_version=data["version"],
            )
        except work.StaleVersion as exc:
            conflict_shown(form, exc)
        except SERVICE_ERRORS as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(wo)s dispatched to %(team)s.") % {"wo": wo_no, "team": data["team"].name})
            return _board_response(request)
    context = {"work_order": work_order, "form": form}
    if _is_htmx(request):
        response = render(request, "orders/dispatch/_assign_form.html", context)
        if request.method == "POST":  # errors: show them in the open form instead of refreshing the board
            response["HX-Retarget"] = f"#assign-{work_order.wo_no}"
            response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "orders/dispatch/assign.html", context)


@require_POST
@login_required
@permission_required(DISPATCH, raise_exception=True)
def work_order_auto_assign_view(request, wo_no: str):
    work_order = _visible_work_order(request, wo_no)
    stale = stale_error(request, work_order)
    if stale is not None:
        messages.error(request, str(stale))
        return _board_response(request)
    if work_order.state != WorkOrder.State.OPEN:
        messages.error(request, _("%(wo)s is already dispatched; reassign it with a reason.") % {"wo": wo_no})
        return _board_response(request)
    try:
        assigned = work.work_order_auto_assign(work_order=work_order, expected_version=posted_version(request))
    except SERVICE_ERRORS as exc:
        messages.error(request, str(exc))
    else:
        if assigned is None:
            messages.error(request, _("No active team covers the grid of %(wo)s.") % {"wo": wo_no})
        else:
            messages.success(request, _("%(wo)s dispatched to %(team)s.") % {"wo": wo_no, "team": assigned.team.name})
    return _board_response(request)


# --- Work-order page, hold and resume ---------------------------------------------------------------------


class HoldForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("What is the customer to do?"), max_length=255)
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class ResumeForm(forms.Form):
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    appointment_at = forms.DateTimeField(
        label=gettext_lazy("New appointment"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


@login_required
def work_order_detail_view(request, wo_no: str, hold_form=None, resume_form=None, conflict: str = ""):
    # Dispatchers work the order; managers reach it read-only from the operations dashboard's list of late work.
    dispatcher = request.user.has_perm(DISPATCH)
    if not dispatcher and not request.user.has_perm(VIEW_READ_ONLY):
        raise PermissionDenied
    try:
        work_order = selectors.work_order_detail(request.user, wo_no)
    except WorkOrder.DoesNotExist as exc:
        raise Http404 from exc
    card = label_cards([selectors.card_for(work_order, timezone.now())])[0]
    steps = list(work_order.steps.all())
    context = {
        "work_order": work_order,
        "conflict": conflict,
        "card": card,
        "steps": steps,
        "assignments": list(work_order.assignments.all()),
        "hold_form": hold_form or HoldForm(initial={"version": work_order.version}),
        "resume_form": resume_form or ResumeForm(initial={"version": work_order.version}),
        "can_hold": dispatcher and work_order.state in ("open", "assigned", "inProgress"),
        "can_resume": dispatcher and work_order.state == WorkOrder.State.HELD,
        "can_assign": dispatcher and work_order.state not in ("completed", "cancelled"),
        "has_people_step": dispatcher
        and any(s.state == "open" and s.kind in (StepKind.BACK_OFFICE, StepKind.CARE) for s in steps),
    }
    return render(request, "orders/dispatch/work_order.html", context)


@require_POST
@login_required
@permission_required(DISPATCH, raise_exception=True)
def work_order_hold_view(request, wo_no: str):
    work_order = _visible_work_order(request, wo_no)
    form, conflict = HoldForm(request.POST), ""
    stale = stale_error(request, work_order)
    if stale is not None:
        conflict = conflict_shown(form, stale, on_form=False)
    elif form.is_valid():
        try:
            work.work_order_hold(work_order=work_order, actor=request.user, reason=form.cleaned_data["reason"],
                                 expected_version=form.cleaned_data["version"])  # fmt: skip
        except work.StaleVersion as exc:
            conflict = conflict_shown(form, exc, on_form=False)
        except SERVICE_ERRORS as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(wo)s waits on the customer; its clock is paused.") % {"wo": wo_no})
            return redirect("orders:work_order_detail", wo_no=wo_no)
    return work_order_detail_view(request, wo_no, hold_form=form, conflict=conflict)


@require_POST
@login_required
@permission_required(DISPATCH, raise_exception=True)
def work_order_resume_view(request, wo_no: str):
    work_order = _visible_work_order(request, wo_no)
    form, conflict = ResumeForm(request.POST), ""
    stale = stale_error(request, work_order)
    if stale is not None:
        conflict = conflict_shown(form, stale, on_form=False)
    elif form.is_valid():
        try:
            work.work_order_resume(
                work_order=work_order, actor=request.user, appointment_at=form.cleaned_data["appointment_at"],
                expected_version=form.cleaned_data["version"],
            )  # fmt: skip
        except work.StaleVersion as exc:
            conflict = conflict_shown(form, exc, on_form=False)
        except SERVICE_ERRORS as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(wo)s resumed; its clock runs again.") % {"wo": wo_no})
            return redirect("orders:work_order_detail", wo_no=wo_no)
    return work_order_detail_view(request, wo_no, resume_form=form, conflict=conflict)


# --- Back-office queue (后台处理) --------------------------------------------------------------------------


class StepFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=gettext_lazy("Work order or order number"))
    kind = django_filters.ChoiceFilter(
        choices=[(StepKind.BACK_OFFICE, StepKind.BACK_OFFICE.label), (StepKind.CARE, StepKind.CARE.label)],
        label=gettext_lazy("kind"),
    )

    class Meta:
        model = WorkOrderStep
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip().upper()
        return queryset.filter(work_order__wo_no=value) | queryset.filter(work_order__order__order_no=value)


def _step_due(step: WorkOrderStep) -> str:
    return timezone.localtime(step.due_at).strftime("%Y-%m-%d %H:%M") if step.due_at else ""


class BackOfficeQueueView(StaffListView):
    """Open back-office and care steps (资料审核, 验收, 维系挽留) of the user's region, earliest due first."""

    list_key = "back_office_steps"
    title = gettext_lazy("Back-office tasks")
    template_name = "orders/dispatch/back_office.html"
    permission_required = DISPATCH
    filterset_class = StepFilterSet
    default_sort = "due_at"
    columns = [
        Column(
            "work_order.wo_no",
            gettext_lazy("work order number"),
            sort="work_order__wo_no",
            link=lambda s: reverse("orders:work_order_detail", args=[s.work_order.wo_no]),
        ),
        Column("work_order.order.order_no", gettext_lazy("order number"), sort="work_order__order__order_no"),
        Column("order_type", gettext_lazy("order type"), value=lambda s: s.work_order.order.get_order_type_display()),
        Column("name", gettext_lazy("step"), sort="name"),
        Column("kind", gettext_lazy("kind"), sort="kind"),
        Column("work_order.order.customer.party.name", gettext_lazy("customer")),
        Column("opened_at", gettext_lazy("opened"), sort="opened_at"),
        Column("due_at", gettext_lazy("due"), sort="due_at", value=_step_due),
    ]

    def get_base_queryset(self):
        return selectors.back_office_queue(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        context["items"] = [
            (row, step, bool(step.due_at and step.due_at < now))
            for row, step in zip(context["rows"], context["object_list"], strict=True)
        ]
        return context


@require_POST
@login_required
@permission_required(DISPATCH, raise_exception=True)
def step_complete_view(request, pk: int):
    """Complete a back-office or care step (a retention step says whether the customer stays)."""
    visible = selectors.work_orders_visible_to(request.user)
    step = WorkOrderStep.objects.filter(pk=pk, work_order__in=visible).select_related("work_order").first()
    if step is None:
        raise Http404
    error = ""
    try:
        work.step_complete(
            step=step, actor=request.user, note=request.POST.get("note", ""), outcome=request.POST.get("outcome", "")
        )
    except SERVICE_ERRORS as exc:
        error = str(exc)
    if _is_htmx(request):
        return render(request, "orders/dispatch/_step_form.html", {"step": step, "error": error, "done": not error})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("%(step)s of %(wo)s completed.") % {"step": step.name, "wo": step.work_order})
    back = reverse("orders:back_office")
    query = request.POST.get("query", "")
    return redirect(f"{back}?{query}" if query else back)


urlpatterns = [
    path("dispatch/", dispatch_board_view, name="dispatch_board"),
    path("work-orders/<str:wo_no>/", work_order_detail_view, name="work_order_detail"),
    path("work-orders/<str:wo_no>/assign/", work_order_assign_view, name="work_order_assign"),
    path("work-orders/<str:wo_no>/auto-assign/", work_order_auto_assign_view, name="work_order_auto_assign"),
    path("work-orders/<str:wo_no>/hold/", work_order_hold_view, name="work_order_hold"),
    path("work-orders/<str:wo_no>/resume/", work_order_resume_view, name="work_order_resume"),
    path("back-office/", BackOfficeQueueView.as_view(), name="back_office"),
    path("back-office/steps/<int:pk>/complete/", step_complete_view, name="step_complete"),
]
