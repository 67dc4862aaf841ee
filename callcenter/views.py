"""The 10000 hotline agent's pages: desktop with screen pop, the call and its wrap-up, tickets, supervisor, outages.

Views translate between the browser and callcenter.services / orders.services.intake; reads come from selectors."""

from __future__ import annotations

import uuid
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.accounts.selectors import regions_visible_to, staff_profile
from crm.sla import selectors as sla_selectors
from crm.sla.display import SLA_LABELS, time_left_text
from crm.ui.lists import Column, StaffListView
from customers.privacy import mask_phone
from customers.selectors import customer_search

from . import forms, selectors, services
from .models import Call, Callback, Outage, TroubleTicket

AGENT = "accounts.handle_interactions"
SUPERVISOR = "accounts.supervise_hotline"
DISPATCHER = "accounts.dispatch_work_orders"


def _perms_required(*perms):
    """Logged in and holding any one of ``perms``; otherwise a 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not any(request.user.has_perm(p) for p in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


hotline_required = _perms_required(AGENT, SUPERVISOR)


def _with_sla(tickets, now=None):
    now = now or timezone.now()
    for ticket in tickets:
        ticket.sla = sla_selectors.sla_state(ticket, now)
        ticket.sla_label = SLA_LABELS[ticket.sla]
        ticket.time_left = time_left_text(sla_selectors.time_left(ticket, now))
    return tickets


# --- Desktop and screen pop --------------------------------------------------------------------------------------


@_perms_required(AGENT)
def desktop(request):
    return render(
        request,
        "callcenter/desktop.html",
        {
            "simulate_form": forms.SimulateCallForm(),
            "my_tickets": _with_sla(selectors.open_tickets_owned_by(request.user)),
            "callbacks": selectors.callbacks_due(request.user),
            "complaints": _with_sla(selectors.risky_complaints(request.user, limit=20)),
            "now": timezone.now(),
            "stay": request.GET.get("stay", "")[:64],
        },
    )


@_perms_required(AGENT)
def call_poll(request):
    """htmx fragment polled every 2 s: the ringing/active call; a ringing known caller pops the call page."""
    call = selectors.current_call(request.user)
    response = render(request, "callcenter/desk/_call_poll.html", {"call": call})
    popped = call is not None and call.state == Call.State.RINGING and call.customer_id
    # ``stay``: the agent came back to the desktop from this call's page on purpose, so it does not pop again.
    if popped and request.headers.get("HX-Request") and request.GET.get("stay") != call.call_id:
        response["HX-Redirect"] = reverse("callcenter:call", args=[call.call_id])
    return response


@require_POST
@_perms_required(AGENT)
def call_simulate(request):
    form = forms.SimulateCallForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the calling number."))
        return redirect("callcenter:desktop")
    call_id = f"SIM-{uuid.uuid4().hex[:16]}"
    services.call_incoming(call_id=call_id, calling_number=form.cleaned_data["calling_number"], agent=request.user)
    return redirect("callcenter:desktop")


@require_POST
@_perms_required(AGENT)
def callback_done(request, pk: int):
    callback = get_object_or_404(Callback, pk=pk, agent=request.user)
    services.callback_done(callback=callback, agent=request.user, note=request.POST.get("note", ""))
    messages.success(request, _("The callback is done."))
    return redirect("callcenter:desktop")


# --- The call and its wrap-up ------------------------------------------------------------------------------------


def _call_customer(request, call: Call):
    if call.customer_id:
        return call.customer
    customer_no = request.POST.get("customer_no") or request.GET.get("customer") or ""
    return selectors.customer_visible(request.user, customer_no) if customer_no else None


def _wrap_up(request, call: Call, customer, data: dict) -> None:
    ticket = None
    if data["open_ticket"]:
        ticket = {"ticket_type": data["ticket_type"], "product": data["product"],
                  "severity": data["severity"] or "minor", "needs_site_visit": data["needs_site_visit"]}  # fmt: skip
    services.call_complete(
        call=call, agent=request.user, customer=customer, interaction_type=data["interaction_type"],
        reason=data["reason"], notes=data["notes"], outcome=data["outcome"],
        ticket=ticket,
        callback_at=data["callback_at"] if data["schedule_callback"] else None,
        vas_add=(data["vas_add_line"], data["vas_add_offering"]) if data["vas_add_offering"] else None,
        vas_remove=data["vas_remove"],
    )  # fmt: skip


@_perms_required(AGENT)
def call_page(request, call_id: str):
    from orders.services.intake import OrderRefused, OrderStateError

    call = get_object_or_404(Call.objects.select_related("customer__party", "reason"), call_id=call_id)
    if call.agent_id != request.user.pk and not request.user.has_perm(SUPERVISOR):
        raise Http404
    customer = _call_customer(request, call)
    form = forms.WrapUpForm(request.POST or None, customer=customer)
    if request.method == "POST" and call.state != Call.State.ENDED and form.is_valid():
        try:
            _wrap_up(request, call, customer, form.cleaned_data)
        except (ValueError, services.TicketStateError, OrderStateError, PermissionError) as exc:
            form.add_error(None, str(exc))
        except OrderRefused as exc:
            for check in exc.checks:
                form.add_error(None, check.reason)
        else:
            messages.success(request, _("The call is wrapped up."))
            return redirect("callcenter:desktop")
    chosen_type = form["interaction_type"].value() or ""
    context = {
        "call": call,
        "customer": customer,
        "masked_phone": mask_phone(call.calling_number),
        "form": form,
        "reasons": selectors.reasons_for(chosen_type) if chosen_type else [],
        "chosen_reason": str(form["reason"].value() or ""),
        "tickets": [],
    }
    if customer is not None:
        tickets = customer.tickets.select_related("owner", "sla_limit", "reason__parent").order_by("created_at")
        context["tickets"] = _with_sla(sorted(tickets[:50], key=lambda t: (not t.is_open, -t.pk)))
    return render(request, "callcenter/call.html", context)


@_perms_required(AGENT)
def reason_options(request):
    """htmx fragment: the two-level reason options of the chosen interaction type."""
    kind = request.GET.get("interaction_type", "")
    return render(request, "callcenter/desk/_reason_options.html", {"reasons": selectors.reasons_for(kind)})


@_perms_required(AGENT)
def customer_lookup(request):
    """htmx fragment: customers matching the search box, to attach to a call from an unknown number."""
    query = request.GET.get("q", "")
    found = customer_search(request.user, query, limit=10) if query.strip() else []
    return render(
        request,
        "callcenter/desk/_customer_results.html",
        {"customers": found, "q": query, "call_id": request.GET.get("call_id", "")},
    )


# --- Tickets -----------------------------------------------------------------------------------------------------


def _visible_ticket(request, ticket_no: str) -> TroubleTicket:
    queryset = selectors.tickets_visible_to(request.user).select_related(
        "product", "work_order", "parent", "call", "region"
    )
    return get_object_or_404(queryset, ticket_no=ticket_no)


def conflict_shown(form, exc: Exception) -> str:
    """The conflict message, shown above the actions (a form for a move the ticket can no longer make is not shown
    at all); the form keeps what the agent typed, without the errors it would have about a ticket they have not
    seen yet."""
    form.full_clean()
    form.errors.clear()
    return str(exc)


@hotline_required
def ticket_page(request, ticket_no: str):
    ticket = _visible_ticket(request, ticket_no)
    loaded = {"version": ticket.version}
    forms_by_action = {
        "status": forms.TicketStatusForm(initial=loaded, allowed=services.TRANSITIONS[ticket.status]),
        "transfer": forms.TicketTransferForm(initial=loaded, ticket=ticket),
        "escalate": forms.TicketEscalateForm(initial=loaded),
    }
    conflict = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in forms_by_action or (action == "escalate" and not request.user.has_perm(SUPERVISOR)):
            raise PermissionDenied
        if action == "status":
            form = forms.TicketStatusForm(request.POST, allowed=services.TRANSITIONS[ticket.status])
        elif action == "transfer":
            form = forms.TicketTransferForm(request.POST, ticket=ticket)
        else:
            form = forms.TicketEscalateForm(request.POST)
        forms_by_action[action] = form
        posted = request.POST.get("version", "")
        if posted.isdigit() and int(posted) != ticket.version:  # changed before this request: say so at once
            conflict = conflict_shown(form, services.StaleVersion(ticket))
        elif form.is_valid():
            data = form.cleaned_data
            version = data["version"]
            try:
                if action == "status":
                    services.ticket_transition(ticket=ticket, status=data["status"], actor=request.user,
                                               note=data["note"], resolution=data["resolution"],
                                               expected_version=version)  # fmt: skip
                elif action == "transfer":
                    services.ticket_transfer_owner(ticket=ticket, to_owner=data["to_owner"], actor=request.user,
                                                   reason=data["reason"], expected_version=version)  # fmt: skip
                else:
                    services.ticket_escalate(ticket=ticket, actor=request.user, note=data["note"],
                                             expected_version=version)  # fmt: skip
            except services.StaleVersion as exc:  # changed while this request ran
                conflict = conflict_shown(form, exc)
                ticket = _visible_ticket(request, ticket_no)
            except (ValueError, services.TicketStateError) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Ticket %(t)s was updated.") % {"t": ticket.ticket_no})
                return redirect("callcenter:ticket", ticket_no=ticket.ticket_no)
    _with_sla([ticket])
    return render(
        request,
        "callcenter/ticket.html",
        {
            "ticket": ticket,
            "conflict": conflict,
            "status_changes": ticket.status_changes.select_related("by"),
            "owner_changes": ticket.owner_changes.select_related("from_owner", "to_owner", "by"),
            "children": ticket.children.select_related("customer__party").order_by("pk")[:200],
            "outage": Outage.objects.filter(parent_ticket=ticket).first(),
            "status_form": forms_by_action["status"],
            "transfer_form": forms_by_action["transfer"],
            "escalate_form": forms_by_action["escalate"],
            "can_escalate": request.user.has_perm(SUPERVISOR),
            "masked_phone": mask_phone(ticket.call.calling_number) if ticket.call_id else "",
        },
    )


def _ticket_time_left(ticket) -> str:
    return time_left_text(sla_selectors.time_left(ticket, timezone.now()))


class TicketListView(StaffListView):
    """Tickets of the user's region with filters (status, type, severity, regulator risk, mine, SLA) and export."""

    list_key = "callcenter_tickets"
    title = gettext_lazy("Trouble tickets")
    filterset_class = forms.TicketFilterSet
    default_sort = "due_at"
    personal_data = True
    columns = [
        Column("ticket_no", gettext_lazy("ticket number"), sort="ticket_no",
               link=lambda t: reverse("callcenter:ticket", args=[t.ticket_no])),
        Column("ticket_type", gettext_lazy("type"), sort="ticket_type"),
        Column("severity", gettext_lazy("severity"), sort="severity"),
        Column("status", gettext_lazy("status"), sort="status"),
        Column("customer.party.name", gettext_lazy("customer"), sort="customer__party__name"),
        Column("owner.username", gettext_lazy("owner"), sort="owner__username"),
        Column("due_at", gettext_lazy("due"), sort="due_at"),
        Column("time_left", gettext_lazy("time left"), value=_ticket_time_left),
        Column("regulator_risk", gettext_lazy("regulator risk"), sort="regulator_risk",
               value=lambda t: _("yes") if t.regulator_risk else ""),
    ]  # fmt: skip

    def has_permission(self):
        return any(self.request.user.has_perm(p) for p in (AGENT, SUPERVISOR))

    def get_base_queryset(self):
        return selectors.tickets_visible_to(self.request.user)


# --- Supervisor --------------------------------------------------------------------------------------------------


@_perms_required(SUPERVISOR)
def supervisor(request):
    overview = selectors.supervisor_overview(request.user)
    _with_sla(overview["risky"])
    states = [(s, SLA_LABELS[s], overview["by_state"][s]) for s in selectors.SLA_STATES]
    return render(request, "callcenter/supervisor.html", {**overview, "states": states})


# --- Outages -----------------------------------------------------------------------------------------------------


def _outage_form(request, data=None):
    profile = staff_profile(request.user)
    initial = {"region": profile.region_id} if profile is not None and profile.region_id else {}
    return forms.OutageForm(data, regions=regions_visible_to(request.user), initial=initial)


@_perms_required(AGENT, SUPERVISOR, DISPATCHER)
def outages(request):
    can_declare = request.user.has_perm(DISPATCHER) or request.user.has_perm(SUPERVISOR)
    form = _outage_form(request, request.POST or None) if can_declare else None
    if request.method == "POST":
        if not can_declare:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            outage = services.outage_declare(title=data["title"], region=data["region"], actor=request.user,
                                             area=data["area"], access_point=data["access_point"])  # fmt: skip
            messages.success(request, _("Outage %(o)s declared.") % {"o": outage.outage_no})
            return redirect("callcenter:outages")
    return render(
        request,
        "callcenter/outages.html",
        {"outages": selectors.outages_visible_to(request.user)[:200], "form": form, "can_declare": can_declare},
    )


@require_POST
@_perms_required(SUPERVISOR, DISPATCHER)
def outage_resolve(request, pk: int):
    outage = get_object_or_404(selectors.outages_visible_to(request.user), pk=pk, status=Outage.Status.OPEN)
    form = forms.OutageResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say how it was resolved."))
    else:
        services.outage_resolve(outage=outage, actor=request.user, resolution=form.cleaned_data["resolution"])
        messages.success(request, _("Outage %(o)s resolved.") % {"o": outage.outage_no})
    return redirect("callcenter:outages")


urlpatterns = [
    path("", desktop, name="desktop"),
    path("poll/", call_poll, name="call_poll"),
    path("simulate/", call_simulate, name="call_simulate"),
    path("callbacks/<int:pk>/done/", callback_done, name="callback_done"),
    path("calls/<str:call_id>/", call_page, name="call"),
    path("reasons/", reason_options, name="reason_options"),
    path("customers/", customer_lookup, name="customer_lookup"),
    path("tickets/", TicketListView.as_view(), name="tickets"),
    path("tickets/<str:ticket_no>/", ticket_page, name="ticket"),
    path("supervisor/", supervisor, name="supervisor"),
    path("outages/", outages, name="outages"),
    path("outages/<int:pk>/resolve/", outage_resolve, name="outage_resolve"),
]
