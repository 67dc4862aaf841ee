"""Writes of the call centre: calls and screen pop, trouble tickets (TMF621) with first-contact ownership and the
SLA engine, repeat and regulator-risk flags, outages, repair work orders, callbacks."""

from __future__ import annotations

import datetime
import re
import secrets

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.api.registry import register_api
from crm.audit.services import audit_record
from crm.sequences import insert_numbered
from crm.sla import selectors as sla_selectors
from crm.sla.services import SLA_FIELDS, sla_pause, sla_resume, sla_start, sla_stop
from customers.models import ContactMedium, Customer
from customers.services import interaction_record

from .models import Call, Callback, Outage, TicketOwnerChange, TicketStatusChange, TroubleTicket
from .models.tickets import OPEN_TICKET_STATUSES

TICKET_API = register_api(
    "troubleTicket", title="TMF621 Trouble Ticket", read_scope="ticket:read", write_scope="ticket:write"
)
REPEAT_WINDOW_DAYS = 30
# Words in a complaint's notes that say the customer may take it to the regulator (工信部).
ANGRY_WORDS = re.compile(r"工信部|投诉到|曝光|媒体|律师|起诉|12300|骗|太差|强烈不满")
# TMF621 lifecycle.
TRANSITIONS = {
    "acknowledged": {"inProgress", "pending", "held", "resolved", "cancelled", "rejected"},
    "inProgress": {"pending", "held", "resolved", "cancelled"},
    "pending": {"inProgress", "resolved", "cancelled"},
    "held": {"inProgress", "resolved", "cancelled"},
    "resolved": {"closed", "inProgress"},  # a customer not satisfied reopens it
    "closed": set(),
    "cancelled": set(),
    "rejected": set(),
}
PAUSED = {"pending", "held"}  # waiting on the customer: the clock stops


class TicketStateError(Exception):
    """The ticket cannot make this move."""


class StaleVersion(Exception):
    """Someone else changed the ticket since the editor loaded it (optimistic locking); nothing was written."""

    def __init__(self, ticket: TroubleTicket):
        self.ticket_no, self.version, self.changed_at = ticket.ticket_no, ticket.version, ticket.updated_at
        super().__init__(
            _("Someone else changed this ticket at %(time)s; reload to see their change.")
            % {"time": changed_at_text(ticket.updated_at)}
        )


def changed_at_text(when: datetime.datetime | None) -> str:
    """When the conflicting change was made, in local time: 10:02 today, 11-28 10:02 another day."""
    if when is None:
        return "?"
    local = timezone.localtime(when)
    return local.strftime("%H:%M") if local.date() == timezone.localdate() else local.strftime("%m-%d %H:%M")


def ticket_for_update(*, ticket: TroubleTicket, expected_version: int | None = None) -> TroubleTicket:
    """The ticket, locked until the end of the caller's transaction. With ``expected_version`` (the version the
    editor loaded) it raises StaleVersion when the ticket has changed since; without it the write goes ahead (last
    writer wins). Every write that follows adds one to ``version``."""
    locked = TroubleTicket.objects.select_for_update().get(pk=ticket.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked)
    return locked


# --- Calls and screen pop (弹屏) -----------------------------------------------------------------------------


def customer_for_number(number: str) -> Customer | None:
    """The customer a calling number belongs to: a phone on file or the service number of a live subscription."""
    from orders.models import Product

    number = number.strip()
    product = (
        Product.objects.filter(service_number=number).exclude(status="terminated").select_related("customer").first()
    )
    if product is not None:
        return product.customer
    medium = ContactMedium.objects.filter(kind="phone", value=number).select_related("party").first()
    return medium.party.customers.order_by("pk").first() if medium else None


@transaction.atomic
def call_incoming(*, call_id: str, calling_number: str, agent) -> Call:
    """The telephony system rings an agent (idempotent by its call id); the caller is looked up for the screen pop."""
    existing = Call.objects.filter(call_id=call_id).first()
    if existing is not None:
        return existing
    return Call.objects.create(
        call_id=call_id,
        calling_number=calling_number.strip(),
        agent=agent,
        customer=customer_for_number(calling_number),
        started_at=timezone.now(),
    )


@transaction.atomic
def call_wrap_up(
    *, call: Call, agent, interaction_type: str, reason=None, notes: str = "", outcome: str = "", customer=None
) -> Call:
    """End a call and put it on the customer's contact timeline with its type, reason, notes and duration."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    if call.state == Call.State.ENDED:
        return call
    call.customer = customer or call.customer
    now = timezone.now()
    call.state, call.ended_at, call.answered_at = Call.State.ENDED, now, call.answered_at or call.started_at
    call.interaction_type, call.reason, call.notes, call.outcome = interaction_type, reason, notes, outcome[:200]
    if call.customer is not None:
        call.interaction = interaction_record(
            customer=call.customer, channel="hotline", interaction_type=interaction_type, staff=agent,
            reason=str(reason or ""), description=notes, occurred_at=call.started_at,
            related_entities=[{"@referredType": "Call", "id": call.call_id,
                               "durationSeconds": int((now - call.started_at).total_seconds())}],
        )  # fmt: skip
    call.save()
    return call


@transaction.atomic
def call_complete(
    *, call: Call, agent, customer, interaction_type: str, reason=None, notes: str = "", outcome: str = "",
    ticket: dict | None = None, callback_at: datetime.datetime | None = None, vas_add: tuple | None = None,
    vas_remove=None,
) -> Call:  # fmt: skip
    """Wrap up a call with what the agent did in it — open a ticket, promise a callback, subscribe or unsubscribe
    a VAS through the orders service — in one transaction: a refusal anywhere writes nothing."""
    from orders.eligibility import OrderRequest
    from orders.services.intake import order_submit

    opened = None
    if ticket is not None:
        opened = ticket_open(customer=customer, description=notes, owner=agent, reason=reason, call=call, **ticket)
    if callback_at is not None:
        callback_schedule(customer=customer, agent=agent, due_at=callback_at, phone=call.calling_number or "",
                          ticket=opened, note=outcome)  # fmt: skip
    if vas_add is not None:
        line, offering = vas_add
        order_submit(request=OrderRequest(order_type="vas_add", customer=customer, product=line, offering=offering,
                                          channel="hotline"), actor=agent)  # fmt: skip
    if vas_remove is not None:
        order_submit(request=OrderRequest(order_type="vas_remove", customer=customer, product=vas_remove,
                                          channel="hotline"), actor=agent)  # fmt: skip
    return call_wrap_up(call=call, agent=agent, interaction_type=interaction_type, reason=reason, notes=notes,
                        outcome=outcome, customer=customer)  # fmt: skip


# --- Trouble tickets ---------------------------------------------------------------------------------------------


def fault_work_type(ticket_type: str, product, *, reported_at: datetime.datetime, segment: str = "") -> tuple[str, str]:
    """The SLA work type and variant of a ticket (the SPEC's table: fixed line 24/48 h by area, data 8 h, DIA by
    grade, an IP supermarket (IP超市) 8 h when reported before 14:00 and 24 h after; complaints their own)."""
    if ticket_type in ("complaint", "regulator_complaint", "maintenance"):
        return ticket_type, ""
    if segment == "ip_supermarket":
        return "fault_ip_supermarket", "before_14" if timezone.localtime(reported_at).hour < 14 else "after_14"
    kind = product.specification.kind if product is not None and product.specification_id else ""
    if kind == "dia":
        return "fault_dia", f"dia_{product.specification.grade}"
    if kind in ("broadband", "iptv", "mobile"):
        return "fault_broadband", ""  # data users (数据用户)
    return "fault_fixed", ""


def _repeat_of(customer, reason, ticket_type: str) -> TroubleTicket | None:
    if ticket_type not in ("complaint", "regulator_complaint"):
        return None
    since = timezone.now() - datetime.timedelta(days=REPEAT_WINDOW_DAYS)
    same = TroubleTicket.objects.filter(customer=customer, created_at__gte=since,
                                        ticket_type__in=["complaint", "regulator_complaint"])  # fmt: skip
    if reason is not None:
        same = same.filter(Q(reason=reason) | Q(reason__parent=reason.parent_id or reason.pk))
    return same.order_by("-created_at").first()


def regulator_risk(ticket: TroubleTicket, *, now: datetime.datetime | None = None) -> list[str]:
    """Why an open complaint may end up at the regulator: repeat, overdue, high level, angry wording."""
    if ticket.ticket_type not in ("complaint", "regulator_complaint"):
        return []
    now = now or timezone.now()
    reasons = []
    if ticket.is_repeat:
        reasons.append("repeat")
    if ticket.due_at and ticket.due_at < now and ticket.is_open:
        reasons.append("overdue")
    if ticket.customer.service_level in ("diamond", "gold", "1A", "2A"):
        reasons.append("high_level")
    if ANGRY_WORDS.search(ticket.description or ""):
        reasons.append("angry_wording")
    return reasons


def _open_outage_for(customer, product) -> Outage | None:
    outages = Outage.objects.filter(status=Outage.Status.OPEN, region_id=customer.region_id)
    point_ids = []
    if product is not None:
        point_ids = list(product.ports.exclude(state="released").values_list("access_point_id", flat=True))
    condition = Q(area_id=customer.area_id, access_point__isnull=True, cell="") if customer.area_id else Q(pk=None)
    if point_ids:
        condition |= Q(access_point_id__in=point_ids)
    return outages.filter(condition).select_related("parent_ticket").order_by("started_at").first()


@transaction.atomic
def ticket_open(
    *,
    customer,
    ticket_type: str,
    description: str,
    owner,
    reason=None,
    product=None,
    severity: str = "minor",
    call: Call | None = None,
    needs_site_visit: bool = False,
    channel: str = "hotline",
) -> TroubleTicket:
    """Open a fault or complaint ticket owned by the agent who took the call, with its deadline from the SLA table;
    a fault in a declared outage joins the outage's ticket; a repeat complaint goes up the queue. ``channel`` is
    where the customer reported it (the hotline, or the portal) for the contact history."""
    if not description.strip():
        raise ValueError(_("Describe the problem."))
    if product is not None and product.customer_id != customer.pk:
        raise ValueError(_("The subscription belongs to another customer."))
    now = timezone.now()
    ticket = TroubleTicket(
        ticket_type=ticket_type, severity=severity, customer=customer, product=product, reason=reason,
        description=description.strip(), owner=owner,
        call=call, region_id=customer.region_id, area_id=customer.area_id, grid_id=customer.grid_id,
    )  # fmt: skip
    repeat = _repeat_of(customer, reason, ticket_type)
    ticket.is_repeat = repeat is not None
    outage = _open_outage_for(customer, product) if ticket_type == "fault" else None
    if outage is not None and outage.parent_ticket_id:
        ticket.parent = outage.parent_ticket
    work_type, variant = fault_work_type(ticket_type, product, reported_at=now, segment=customer.segment)
    area_kind = customer.area.kind if customer.area_id else ""
    limit = sla_selectors.limit_for(
        work_type=work_type, area_kind=area_kind, service_level=customer.service_level, variant=variant
    )
    if limit is not None:
        sla_start(obj=ticket, limit=limit, started_at=now)
    ticket.priority = (limit.priority if limit else 0) + (5 if ticket.is_repeat else 0)
    ticket.risk_reasons = regulator_risk(ticket, now=now)
    ticket.regulator_risk = bool(ticket.risk_reasons)
    insert_numbered(ticket, "ticket_no", lambda pk: f"T{timezone.localdate():%Y%m%d}{pk:08d}")
    TicketStatusChange.objects.create(ticket=ticket, to_status=ticket.status, by=owner, note=_("Opened"))
    interaction_record(
        customer=customer, channel=channel, interaction_type=ticket_type, staff=owner, status="open",
        reason=str(reason or ticket.get_ticket_type_display()), description=ticket.description,
        related_entities=[{"@referredType": "TroubleTicket", "id": ticket.ticket_no}],
    )  # fmt: skip
    if needs_site_visit and ticket.parent_id is None:
        from orders.services.work import repair_work_order_create

        ticket.work_order = repair_work_order_create(
            customer=customer, product=product, region_id=ticket.region_id, area_id=ticket.area_id,
            grid_id=ticket.grid_id, limit=limit, started_at=now, note=ticket.description,
        )  # fmt: skip
        ticket.status = TroubleTicket.Status.IN_PROGRESS
        ticket.save(update_fields=["work_order", "status"])
        note = _("Repair work order %(wo)s") % {"wo": ticket.work_order.wo_no}
        TicketStatusChange.objects.create(ticket=ticket, from_status="acknowledged", to_status="inProgress", note=note)
    return ticket


@transaction.atomic
def ticket_transition(
    *, ticket: TroubleTicket, status: str, actor, note: str = "", resolution: str = "",
    expected_version: int | None = None,
) -> TroubleTicket:  # fmt: skip
    """Move a ticket along TMF621; waiting on the customer pauses its clock; resolving stops it and closes the
    children of an outage's ticket; a resolved ticket is surveyed. StaleVersion when ``expected_version`` is given
    and someone else changed the ticket since (two agents resolving it: the second is refused)."""
    ticket = ticket_for_update(ticket=ticket, expected_version=expected_version)
    old = ticket.status
    if status == old:
        return ticket
    if status not in TRANSITIONS[old]:
        raise TicketStateError(_("A %(old)s ticket cannot become %(new)s.") % {"old": old, "new": status})
    now = timezone.now()
    if status in PAUSED:
        sla_pause(obj=ticket, when=now)
    elif old in PAUSED:
        sla_resume(obj=ticket, when=now)
    if status == "inProgress" and old == "acknowledged":
        from crm.sla.services import sla_respond

        sla_respond(obj=ticket, when=now)
    if status == "resolved":
        if not (resolution or note).strip():
            raise ValueError(_("Say how it was resolved."))
        ticket.resolution, ticket.resolved_at = (resolution or note).strip(), now
        sla_stop(obj=ticket, when=now)
    if status == "inProgress" and old == "resolved":  # reopened
        ticket.resolved_at, ticket.sla_stopped_at = None, None
    if status == "closed":
        ticket.closed_at = now
    ticket.status = status
    ticket.version += 1
    ticket.save()
    TicketStatusChange.objects.create(ticket=ticket, from_status=old, to_status=status, by=actor, note=note[:500])
    if status == "resolved":
        for child in ticket.children.filter(status__in=OPEN_TICKET_STATUSES):
            text = _("Resolved with outage ticket %(t)s: %(r)s") % {"t": ticket.ticket_no, "r": ticket.resolution}
            ticket_transition(ticket=child, status="resolved", actor=actor, resolution=text)
        from feedback.services import survey_send

        pk = ticket.pk
        transaction.on_commit(lambda: survey_send(ticket=TroubleTicket.objects.get(pk=pk)))
    return ticket


@transaction.atomic
def ticket_annotate(
    *, ticket: TroubleTicket, actor, severity: str | None = None, notes: tuple[str, ...] = (),
    expected_version: int | None = None,
) -> bool:  # fmt: skip
    """Change a ticket's severity (a triage label) and add notes; both go into its history. True when changed."""
    ticket = ticket_for_update(ticket=ticket, expected_version=expected_version)
    changed = False
    if severity and severity != ticket.severity:
        if severity not in TroubleTicket.Severity.values:
            raise ValueError(_("Unknown severity %(s)s.") % {"s": severity})
        old = ticket.severity
        TroubleTicket.objects.filter(pk=ticket.pk).update(severity=severity, updated_at=timezone.now())
        TicketStatusChange.objects.create(ticket=ticket, from_status=ticket.status, to_status=ticket.status,
                                          by=actor, note=f"severity: {old} → {severity}")  # fmt: skip
        changed = True
    for text in notes:
        TicketStatusChange.objects.create(ticket=ticket, from_status=ticket.status, to_status=ticket.status,
                                          by=actor, note=text[:500])  # fmt: skip
        changed = True
    if changed:
        TroubleTicket.objects.filter(pk=ticket.pk).update(version=F("version") + 1, updated_at=timezone.now())
    return changed


def ticket_reopen(*, ticket: TroubleTicket, actor, note: str) -> TroubleTicket:
    """A customer says the problem is not solved (at the survey): the ticket goes back to work."""
    return ticket_transition(ticket=ticket, status="inProgress", actor=actor, note=note)


@transaction.atomic
def ticket_transfer_owner(
    *, ticket: TroubleTicket, to_owner, actor, reason: str, expected_version: int | None = None
) -> TroubleTicket:
    """Hand first-contact ownership to someone else (首问转移): only with a reason, audited."""
    ticket = ticket_for_update(ticket=ticket, expected_version=expected_version)
    if not reason.strip():
        raise ValueError(_("Give the reason for the transfer."))
    if to_owner.pk == ticket.owner_id:
        raise ValueError(_("They already own this ticket."))
    TicketOwnerChange.objects.create(ticket=ticket, from_owner_id=ticket.owner_id, to_owner=to_owner,
                                     reason=reason.strip()[:255], by=actor)  # fmt: skip
    audit_record(action="update", obj=ticket, changes={"owner": [ticket.owner.get_username(), to_owner.get_username()],
                 "reason": [None, reason]})  # fmt: skip
    ticket.owner = to_owner
    ticket.version += 1
    ticket.save(update_fields=["owner", "updated_at", "version"])
    return ticket


@transaction.atomic
def ticket_escalate(*, ticket: TroubleTicket, actor, note: str, expected_version: int | None = None) -> TroubleTicket:
    """Escalate a complaint to a supervisor: it goes to the top of the queue."""
    ticket = ticket_for_update(ticket=ticket, expected_version=expected_version)
    ticket.escalated_at, ticket.priority = timezone.now(), max(ticket.priority, 20)
    ticket.version += 1
    ticket.save(update_fields=["escalated_at", "priority", "updated_at", "version"])
    TicketStatusChange.objects.create(ticket=ticket, from_status=ticket.status, to_status=ticket.status, by=actor,
                                      note=_("Escalated: %(note)s") % {"note": note})  # fmt: skip
    return ticket


def repair_completed(*, work_order) -> None:
    """The repair visit is done: its ticket is resolved with the technician's notes."""
    for ticket in TroubleTicket.objects.filter(work_order=work_order, status__in=OPEN_TICKET_STATUSES):
        ticket_transition(ticket=ticket, status="resolved", actor=work_order.technician,
                          resolution=work_order.notes or _("Repaired on site"))  # fmt: skip


# --- Outages (障碍关联) -------------------------------------------------------------------------------------------


@transaction.atomic
def outage_declare(*, title: str, region, actor, area=None, access_point=None, cell: str = "", notify: bool = True):
    """Declare an outage: one parent ticket; later fault reports there attach to it; affected customers are told."""
    from orders.models import Product

    owner = actor
    outage = Outage.objects.create(
        outage_no=f"O{secrets.token_hex(8)}", title=title, region=region, area=area, access_point=access_point,
        cell=cell, declared_by=actor, started_at=timezone.now(),
    )  # fmt: skip
    outage.outage_no = f"O{outage.pk:08d}"
    affected = Product.objects.filter(region=region).exclude(status="terminated")
    if access_point is not None:
        affected = affected.filter(ports__access_point=access_point).exclude(ports__state="released")
    elif area is not None:
        affected = affected.filter(area=area)
    customers = list(Customer.objects.filter(pk__in=affected.values("customer_id")[:5000]).select_related("party"))
    anchor = customers[0] if customers else None
    if anchor is not None:
        parent = TroubleTicket.objects.create(
            ticket_no=f"TO{outage.pk:08d}", ticket_type="fault", severity="critical", customer=anchor,
            description=title, owner=owner, region=region, area=area, priority=30,
        )  # fmt: skip
        limit = sla_selectors.limit_for(work_type="fault_outage")
        if limit is not None:
            sla_start(obj=parent, limit=limit, started_at=outage.started_at)
            parent.save(update_fields=list(SLA_FIELDS))
        outage.parent_ticket = parent
    outage.save()
    if notify:
        from crm.messaging.services import sms_send
        from customers.selectors import preferred_phones

        phones = preferred_phones([c.party_id for c in customers])
        body = _("[China Telecom] A network fault in your area is being repaired: %(title)s. We apologise.") % {
            "title": title}  # fmt: skip
        for customer in customers:
            sms_send(recipient=phones.get(customer.party_id, ""), body=body, purpose="outage",
                     related=[{"@referredType": "Outage", "id": outage.outage_no}])  # fmt: skip
    return outage


@transaction.atomic
def outage_resolve(*, outage: Outage, actor, resolution: str) -> Outage:
    """The outage is over: its ticket is resolved and every child ticket with it."""
    outage = Outage.objects.select_for_update().get(pk=outage.pk)
    outage.status, outage.resolved_at = Outage.Status.RESOLVED, timezone.now()
    outage.save(update_fields=["status", "resolved_at"])
    if outage.parent_ticket_id and outage.parent_ticket.is_open:
        ticket_transition(ticket=outage.parent_ticket, status="resolved", actor=actor, resolution=resolution)
    return outage


# --- Callbacks (预约回电) ------------------------------------------------------------------------------------------


def callback_schedule(*, customer, agent, due_at: datetime.datetime, phone: str, ticket=None, note: str = ""):
    """Promise to call the customer back at the time they chose; it shows in the agent's queue then."""
    if due_at <= timezone.now():
        raise ValueError(_("Choose a time in the future."))
    return Callback.objects.create(customer=customer, agent=agent, due_at=due_at, phone=phone, ticket=ticket,
                                   note=note[:255])  # fmt: skip


def callback_done(*, callback: Callback, agent, note: str = "") -> Callback:
    updated = Callback.objects.filter(pk=callback.pk, state__in=["scheduled", "missed"]).update(
        state="done", done_at=timezone.now(), note=(note or callback.note)[:255]
    )
    callback.refresh_from_db()
    if updated:
        interaction_record(customer=callback.customer, channel="outbound_call", direction="outbound",
                           interaction_type="callback", staff=agent, description=note)  # fmt: skip
    return callback


def callbacks_sweep(*, now: datetime.datetime | None = None, grace_minutes: int = 30) -> list[int]:
    """Callbacks not made within the grace time are missed and escalated (once)."""
    now = now or timezone.now()
    late = Callback.objects.filter(state="scheduled", due_at__lt=now - datetime.timedelta(minutes=grace_minutes))
    missed = []
    for callback in late.select_related("agent__staff_profile__org_unit__lead__staff_profile"):
        if Callback.objects.filter(pk=callback.pk, state="scheduled").update(state="missed", escalated_at=now):
            missed.append(callback.pk)
            _tell_missed(callback)
    return missed


def _tell_missed(callback: Callback) -> None:
    """The agent and the lead of the agent's team hear of a missed callback."""
    from crm.messaging.services import sms_send

    profile = getattr(callback.agent, "staff_profile", None)
    people = [callback.agent]
    if profile is not None and profile.org_unit_id and profile.org_unit.lead_id:
        people.append(profile.org_unit.lead)
    body = _("Missed callback to %(phone)s (due %(due)s).") % {
        "phone": callback.phone, "due": timezone.localtime(callback.due_at).strftime("%m-%d %H:%M")}  # fmt: skip
    for person in people:
        phone = getattr(getattr(person, "staff_profile", None), "phone", "")
        sms_send(recipient=phone, body=body, purpose="callback_missed",
                 related=[{"@referredType": "Callback", "id": str(callback.pk)}])  # fmt: skip


def tickets_sla_sweep(*, now: datetime.datetime | None = None):
    """Warn and record breaches of running tickets (the same engine as work orders); refresh regulator risk."""
    from crm.sla.services import sla_sweep

    now = now or timezone.now()
    running = TroubleTicket.objects.filter(status__in=OPEN_TICKET_STATUSES)

    def on_warn(ticket) -> None:
        _tell_people(ticket, [ticket.owner], _("Ticket %(t)s is due at %(due)s."), purpose="ticket_warning")

    def on_breach(ticket, breach) -> None:
        reasons = regulator_risk(ticket, now=now)
        TroubleTicket.objects.filter(pk=ticket.pk).update(risk_reasons=reasons, regulator_risk=bool(reasons),
                                                          escalated_at=ticket.escalated_at or now)  # fmt: skip
        if breach.kind == "response":  # nobody took it up in time: its owner hears first
            people = [ticket.owner]
            _tell_people(ticket, people, _("Ticket %(t)s has not been taken up in time."), purpose="ticket_response")
        else:
            people = [ticket.owner, *_leads_of(ticket.owner)]
            _tell_people(ticket, people, _("Escalation: ticket %(t)s is past its time limit (%(due)s)."),
                         purpose="ticket_escalation")  # fmt: skip
        breach.escalated_to = sorted({p.get_username() for p in people})
        breach.save(update_fields=["escalated_to"])

    running = running.select_related("customer", "owner__staff_profile__org_unit__lead__staff_profile")
    return sla_sweep(queryset=running, now=now, on_warn=on_warn, on_breach=on_breach)


def _leads_of(user) -> list:
    profile = getattr(user, "staff_profile", None)
    if profile is not None and profile.org_unit_id and profile.org_unit.lead_id:
        return [profile.org_unit.lead]
    return []


def _tell_people(ticket: TroubleTicket, people: list, text: str, *, purpose: str) -> None:
    from crm.messaging.services import sms_send

    due = timezone.localtime(ticket.due_at).strftime("%m-%d %H:%M") if ticket.due_at else ""
    for person in people:
        phone = getattr(getattr(person, "staff_profile", None), "phone", "")
        sms_send(recipient=phone, body=text % {"t": ticket.ticket_no, "due": due}, purpose=purpose,
                 related=[{"@referredType": "TroubleTicket", "id": ticket.ticket_no}])  # fmt: skip
