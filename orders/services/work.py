"""The back office (后台): an order becomes a work order whose steps come from a template; automatic steps run
at once, people do the others; dispatch to teams and technicians; field work with the customer's receipt (回单);
the time limit from the SLA table, warned before, escalated when breached."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import OrgUnit
from crm.audit.services import audit_record
from crm.messaging.services import sms_send
from crm.sequences import insert_numbered
from crm.sla import selectors as sla_selectors
from crm.sla.models import ServiceLimit
from crm.sla.services import SLA_FIELDS, sla_pause, sla_resume, sla_start, sla_stop, sla_sweep

from ..models import (
    PortReservation,
    Product,
    ProductOrder,
    StepKind,
    WorkOrder,
    WorkOrderAssignment,
    WorkOrderStep,
    WorkOrderTemplate,
)
from . import notify
from .intake import kinds_of_order, order_complete_if_done, order_state_set
from .inventory import product_attribute_change, product_create, product_status_change
from .resources import port_reserve, port_take_into_use, ports_release

FIELD_TEAM_KINDS = (OrgUnit.Kind.FIELD_CREW, OrgUnit.Kind.MAINTENANCE_CONTRACTOR)
# Which template an order uses is decided by the main kind of product it concerns.
KIND_PRECEDENCE = ("dia", "broadband", "fixed_line", "iptv", "mobile", "vas")
GREEN_LEVELS = {"diamond", "1A"}


class WorkOrderError(Exception):
    """The work order or step is not in a state that allows this action."""


class StaleVersion(WorkOrderError):
    """Someone else changed the work order since the editor loaded it (optimistic locking); nothing was written."""

    def __init__(self, work_order: WorkOrder):
        self.wo_no, self.version, self.changed_at = work_order.wo_no, work_order.version, work_order.updated_at
        super().__init__(
            _("Someone else changed this work order at %(time)s; reload to see their change.")
            % {"time": _local_time_text(work_order.updated_at)}
        )


def _local_time_text(when: datetime.datetime) -> str:
    local = timezone.localtime(when)
    return local.strftime("%H:%M") if local.date() == timezone.localdate() else local.strftime("%m-%d %H:%M")


def work_order_for_update(*, work_order: WorkOrder, expected_version: int | None = None) -> WorkOrder:
    """The work order, locked until the end of the caller's transaction. With ``expected_version`` (the version the
    dispatcher or technician loaded) it raises StaleVersion when the work order has changed since; without it the
    write goes ahead. Every write that follows adds one to ``version`` (``_bump``)."""
    locked = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked)
    return locked


def _bump(work_order: WorkOrder, fields: list[str] | None = None) -> list[str] | None:
    """Count one more change (the caller holds the row lock); the fields to save with it."""
    work_order.version += 1
    return None if fields is None else [*fields, "version", "updated_at"]


def main_kind(order: ProductOrder) -> str:
    kinds = kinds_of_order(order)
    return next((k for k in KIND_PRECEDENCE if k in kinds), "")


def template_for(order: ProductOrder) -> WorkOrderTemplate:
    kind = main_kind(order)
    templates = WorkOrderTemplate.objects.filter(order_type=order.order_type, spec_kind__in={kind, ""})
    template = templates.order_by("-spec_kind").prefetch_related("steps").first()
    if template is None:
        raise WorkOrderError(f"No work-order template for {order.order_type}/{kind}")
    return template


def _area_kind(order: ProductOrder) -> str:
    return order.area.kind if order.area_id else ""


@transaction.atomic
def work_order_create(*, order: ProductOrder) -> WorkOrder:
    """Decompose an order into its work order: steps from the template, deadline from the SLA table."""
    template = template_for(order)
    variant = order.address.cable_extension if order.address_id else ""
    limit = sla_selectors.limit_for(
        work_type=template.work_type, area_kind=_area_kind(order), service_level=order.customer.service_level,
        variant=variant,
    )  # fmt: skip
    steps = list(template.steps.all())
    work_order = WorkOrder(
        order=order, customer_id=order.customer_id, product_id=order.product_id, template=template,
        work_type=template.work_type, region_id=order.region_id, area_id=order.area_id, grid_id=order.grid_id,
        needs_field_visit=any(s.kind == StepKind.FIELD for s in steps), appointment_at=order.appointment_at,
    )  # fmt: skip
    return _work_order_start(work_order, steps=steps, limit=limit, started_at=timezone.now())


def _work_order_start(work_order: WorkOrder, *, steps: list, limit, started_at: datetime.datetime) -> WorkOrder:
    """Save a new work order with its number, deadline and steps, and run it up to the first step for people."""
    work_order.priority = limit.priority if limit else 0
    if limit is not None:
        sla_start(obj=work_order, limit=limit, started_at=started_at)
    insert_numbered(work_order, "wo_no", lambda pk: f"G{timezone.localdate():%Y%m%d}{pk:08d}")
    WorkOrderStep.objects.bulk_create(
        WorkOrderStep(work_order=work_order, seq=s.seq, code=s.code, name=s.name, kind=s.kind,
                      limit_minutes=s.limit_minutes)
        for s in steps
    )  # fmt: skip
    _advance(work_order, actor=None)
    return WorkOrder.objects.get(pk=work_order.pk)  # automatic dispatch may have assigned it meanwhile


def _advance(work_order: WorkOrder, *, actor) -> None:
    """Open the next step; automatic steps run and complete at once; stop at the first step people must do.

    The waiting steps are read once: a step's effect changes the subscription, ports and order, never the steps."""
    for step in work_order.steps.filter(state=WorkOrderStep.State.WAITING).order_by("seq"):
        now = timezone.now()
        step.state, step.opened_at = WorkOrderStep.State.OPEN, now
        step.due_at = now + datetime.timedelta(minutes=step.limit_minutes) if step.limit_minutes else None
        step.save(update_fields=["state", "opened_at", "due_at"])
        if step.kind != StepKind.SYSTEM:
            if step.kind == StepKind.FIELD and work_order.state == WorkOrder.State.OPEN:
                work_order_auto_assign(work_order=work_order, only_if_single=True)
            return
        STEP_EFFECTS.get(step.code, _no_effect)(work_order.order, work_order, step)
        step.state, step.completed_at, step.completed_by = WorkOrderStep.State.COMPLETED, timezone.now(), actor
        step.save(update_fields=["state", "completed_at", "completed_by"])
    _work_order_complete(work_order)


def _work_order_complete(work_order: WorkOrder) -> None:
    now = timezone.now()
    work_order.state, work_order.completed_at = WorkOrder.State.COMPLETED, now
    sla_stop(obj=work_order, when=now)
    work_order.save(update_fields=_bump(work_order, ["state", "completed_at", *SLA_FIELDS]))
    if work_order.order_id:
        order_complete_if_done(order=work_order.order)
    else:  # a repair: the trouble ticket it came from is resolved
        from callcenter.services import repair_completed

        repair_completed(work_order=work_order)
    if work_order.needs_field_visit:  # 回访: the customer rates the visit
        from feedback.services import survey_send

        pk = work_order.pk
        transaction.on_commit(lambda: survey_send(work_order=WorkOrder.objects.get(pk=pk)))


def current_step(work_order: WorkOrder) -> WorkOrderStep | None:
    return work_order.steps.filter(state=WorkOrderStep.State.OPEN).first()


@transaction.atomic
def step_complete(
    *, step: WorkOrderStep, actor, note: str = "", outcome: str = "", expected_version: int | None = None
) -> WorkOrder:
    """A person completes a back-office or care step; the work order moves on.

    A retention step (维系挽留) ends with ``outcome`` "retained" (the customer stays: the order is cancelled) or
    "proceed" (the authorization code is released). Two people completing the same step: the second is refused
    (the step is no longer open)."""
    from .intake import order_cancel

    # The work order first, then its step: the same order as field work, so the two never wait on each other.
    work_order = work_order_for_update(work_order=step.work_order, expected_version=expected_version)
    step = WorkOrderStep.objects.select_for_update().get(pk=step.pk)
    if step.state != WorkOrderStep.State.OPEN or step.kind == StepKind.SYSTEM:
        raise WorkOrderError(_("This step is not waiting for anyone."))
    if step.kind == StepKind.FIELD:
        raise WorkOrderError(_("Field steps are completed by the technician with the customer's receipt."))
    work_order.save(update_fields=_bump(work_order, []))
    if step.code == "retention_contact" and outcome not in ("retained", "proceed"):
        raise ValueError(_("Say whether the customer stays or still wants to leave."))
    step.state, step.completed_at, step.completed_by = WorkOrderStep.State.COMPLETED, timezone.now(), actor
    step.note = note[:255]
    step.save(update_fields=["state", "completed_at", "completed_by", "note"])
    if outcome == "retained":
        order_cancel(order=work_order.order, actor=actor, reason=_("The customer stays (retained): %(note)s")
                     % {"note": note})  # fmt: skip
        return WorkOrder.objects.get(pk=work_order.pk)
    _advance(work_order, actor=actor)
    return WorkOrder.objects.get(pk=work_order.pk)


@transaction.atomic
def repair_work_order_create(
    *, customer, product, region_id: int, area_id, grid_id, limit, started_at: datetime.datetime, note: str = ""
) -> WorkOrder:
    """A repair visit for a trouble ticket (障碍维修): the repair template's steps, the ticket's time limit."""
    template = WorkOrderTemplate.objects.prefetch_related("steps").get(order_type="repair", spec_kind="")
    work_type = limit.work_type if limit else template.work_type
    work_order = WorkOrder(
        customer=customer, product=product, template=template, work_type=work_type, region_id=region_id,
        area_id=area_id, grid_id=grid_id, needs_field_visit=True, notes=note[:500],
    )  # fmt: skip
    return _work_order_start(work_order, steps=list(template.steps.all()), limit=limit, started_at=started_at)


# --- Dispatch (派工) ---------------------------------------------------------------------------------------


def team_load(team_ids: list[int]) -> dict[int, int]:
    rows = (
        WorkOrder.objects.filter(team_id__in=team_ids, state__in=["assigned", "inProgress", "held"])
        .values("team_id")
        .annotate(n=Count("id"))
    )
    return {row["team_id"]: row["n"] for row in rows}


def teams_covering(grid_id: int | None, region_id: int) -> list[OrgUnit]:
    """Active field crews and maintenance contractors covering the grid (or, without a grid, the region)."""
    teams = OrgUnit.objects.filter(is_active=True, kind__in=FIELD_TEAM_KINDS)
    if grid_id:
        return list(teams.filter(coverage__grid_id=grid_id).distinct().order_by("code"))
    return list(teams.filter(region_id=region_id).order_by("code"))


@transaction.atomic
def work_order_assign(
    *,
    work_order: WorkOrder,
    actor,
    team: OrgUnit | None = None,
    technician=None,
    reason: str = "",
    appointment_at: datetime.datetime | None = None,
    automatic: bool = False,
    expected_version: int | None = None,
) -> WorkOrder:
    """Dispatch (or re-dispatch, with a reason) a work order to a team and/or one of its technicians. Two
    dispatchers assigning the same work order from the same version: the second gets StaleVersion."""
    work_order = work_order_for_update(work_order=work_order, expected_version=expected_version)
    if work_order.state in (WorkOrder.State.COMPLETED, WorkOrder.State.CANCELLED):
        raise WorkOrderError(_("A finished work order cannot be dispatched."))
    if team is None and technician is None:
        raise ValueError(_("Choose a team or a technician."))
    if technician is not None:
        profile = getattr(technician, "staff_profile", None)
        if profile is None or profile.role != "field_technician":
            raise ValueError(_("%(user)s is not a field technician.") % {"user": technician})
        if team is None and profile.org_unit_id:
            team = profile.org_unit
        elif team is not None and profile.org_unit_id != team.pk:
            raise ValueError(_("%(user)s is not in %(team)s.") % {"user": technician, "team": team})
    if team is not None and team.kind not in FIELD_TEAM_KINDS:
        raise ValueError(_("%(team)s is not a field team.") % {"team": team})
    reassigning = work_order.state != WorkOrder.State.OPEN and (work_order.team_id or work_order.technician_id)
    if reassigning and not reason.strip():
        raise ValueError(_("Give the reason for reassigning."))
    work_order.team, work_order.technician = team, technician
    work_order.appointment_at = appointment_at or work_order.appointment_at
    if work_order.state == WorkOrder.State.OPEN:
        work_order.state, work_order.dispatched_at = WorkOrder.State.ASSIGNED, timezone.now()
    _bump(work_order)
    work_order.save()
    WorkOrderAssignment.objects.create(
        work_order=work_order, team=team, technician=technician, assigned_by=actor if actor else None,
        automatic=automatic, reason=reason.strip()[:255],
    )  # fmt: skip
    if technician is not None and getattr(technician.staff_profile, "phone", ""):
        sms_send(
            recipient=technician.staff_profile.phone,
            body=_("New work order %(wo)s: %(address)s") % {"wo": work_order.wo_no, "address": _address(work_order)},
            purpose="dispatch",
            related=[{"@referredType": "WorkOrder", "id": work_order.wo_no}],
        )
    return work_order


def _address(work_order: WorkOrder) -> str:
    order = work_order.order
    if order is not None and order.address_id:
        return order.address.text
    return work_order.product.install_address if work_order.product_id else ""


def work_order_auto_assign(
    *, work_order: WorkOrder, only_if_single: bool = False, expected_version: int | None = None
) -> WorkOrder | None:
    """Automatic dispatch: the least-loaded team covering the work order's grid (ties: the team code).

    ``only_if_single`` (used when the work order opens) assigns only when exactly one team covers the grid, so
    dispatchers still decide between competing crews."""
    teams = teams_covering(work_order.grid_id, work_order.region_id)
    if not teams or (only_if_single and len(teams) != 1):
        return None
    if len(teams) == 1:
        team = teams[0]  # no choice to make: its load is not read
    else:
        load = team_load([t.pk for t in teams])
        team = min(teams, key=lambda t: (load.get(t.pk, 0), t.code))
    return work_order_assign(work_order=work_order, actor=None, team=team, automatic=True,
                             reason=_("least-loaded team covering the grid"),
                             expected_version=expected_version)  # fmt: skip


# --- Field work (装维现场) -----------------------------------------------------------------------------------


def _field_step(work_order: WorkOrder) -> WorkOrderStep:
    step = current_step(work_order)
    if step is None or step.kind != StepKind.FIELD:
        raise WorkOrderError(_("No field work is open on this work order."))
    return step


def _check_technician(work_order: WorkOrder, technician) -> None:
    profile = getattr(technician, "staff_profile", None)
    mine = work_order.technician_id == technician.pk
    my_team = work_order.technician_id is None and profile is not None and profile.org_unit_id == work_order.team_id
    if not (mine or my_team):
        raise PermissionError(_("This work order is not assigned to you."))


@transaction.atomic
def field_start(*, work_order: WorkOrder, technician, expected_version: int | None = None) -> WorkOrder:
    """The technician starts on site (a team's unassigned work order becomes theirs; two of the team starting it from
    the same version: the second gets StaleVersion)."""
    work_order = work_order_for_update(work_order=work_order, expected_version=expected_version)
    _check_technician(work_order, technician)
    _field_step(work_order)
    if work_order.state not in (WorkOrder.State.ASSIGNED, WorkOrder.State.IN_PROGRESS):
        raise WorkOrderError(_("Only an assigned work order can be started."))
    work_order.technician = technician
    work_order.state, work_order.started_at = WorkOrder.State.IN_PROGRESS, work_order.started_at or timezone.now()
    work_order.save(update_fields=_bump(work_order, ["technician", "state", "started_at"]))
    return work_order


@transaction.atomic
def field_finish(
    *,
    work_order: WorkOrder,
    technician,
    signature: str,
    rating: int,
    comment: str = "",
    notes: str = "",
    materials: list[dict] | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """The technician finishes on site with the receipt (回单): the customer's signature and rating."""
    from .intake import MAX_SIGNATURE_BYTES, SIGNATURE_PREFIX

    work_order = work_order_for_update(work_order=work_order, expected_version=expected_version)
    _check_technician(work_order, technician)
    step = _field_step(work_order)
    if work_order.state != WorkOrder.State.IN_PROGRESS:
        raise WorkOrderError(_("Start the work order on site first."))
    if not signature.startswith(SIGNATURE_PREFIX) or len(signature) > MAX_SIGNATURE_BYTES * 4 // 3 + 64:
        raise ValueError(_("The customer's signature is missing."))
    if rating not in (1, 2, 3, 4, 5):
        raise ValueError(_("The customer's rating is 1 to 5."))
    for item in materials or []:
        if not str(item.get("item", "")).strip() or not (0 < float(item.get("quantity", 0)) < 10_000):
            raise ValueError(_("Each material needs a name and a quantity."))
    now = timezone.now()
    work_order.signature, work_order.rating, work_order.rating_comment = signature, rating, comment[:500]
    work_order.notes = "\n".join(filter(None, [work_order.notes, notes.strip()]))
    work_order.materials = [*work_order.materials, *(materials or [])]
    work_order.finished_at = now
    work_order.report_due_at = now + datetime.timedelta(hours=settings.CRM_FIELD_REPORT_HOURS)
    _bump(work_order)
    work_order.save()
    step.state, step.completed_at, step.completed_by = WorkOrderStep.State.COMPLETED, now, technician
    step.save(update_fields=["state", "completed_at", "completed_by"])
    _advance(work_order, actor=technician)
    return WorkOrder.objects.get(pk=work_order.pk)


@transaction.atomic
def field_report(*, work_order: WorkOrder, technician, report: str, expected_version: int | None = None) -> WorkOrder:
    """The installation / fault report, due within 24 hours of finishing on site."""
    work_order = work_order_for_update(work_order=work_order, expected_version=expected_version)
    if work_order.technician_id != technician.pk:
        raise PermissionError(_("This work order is not assigned to you."))
    if work_order.finished_at is None:
        raise WorkOrderError(_("Finish the work on site first."))
    if not report.strip():
        raise ValueError(_("Write the report."))
    work_order.report, work_order.reported_at = report.strip(), timezone.now()
    work_order.save(update_fields=_bump(work_order, ["report", "reported_at"]))
    return work_order


@transaction.atomic
def work_order_hold(*, work_order: WorkOrder, actor, reason: str, expected_version: int | None = None) -> WorkOrder:
    """Wait on the customer (not home, not ready): the clock stops until the work resumes."""
    work_order = work_order_for_update(work_order=work_order, expected_version=expected_version)
    if work_order.state not in (WorkOrder.State.OPEN, WorkOrder.State.ASSIGNED, WorkOrder.State.IN_PROGRESS):
        raise WorkOrderError(_("Only open work can wait on the customer."))
    if not reason.strip():
        raise ValueError(_("Say what the customer is to do."))
    work_order.notes = "\n".join(filter(None, [work_order.notes, _("Waiting on the customer: %(r)s") % {"r": reason}]))
    work_order.state = WorkOrder.State.HELD
    sla_pause(obj=work_order, when=timezone.now())
    work_order.save(update_fields=_bump(work_order, ["state", "notes", *SLA_FIELDS]))
    if work_order.order_id:
        order_state_set(order=work_order.order, state=ProductOrder.State.PENDING)
        notify.order_status(work_order.order)
    audit_record(action="update", obj=work_order, changes={"state": ["", "held"], "reason": [None, reason]})
    return work_order


@transaction.atomic
def work_order_resume(
    *, work_order: WorkOrder, actor, appointment_at: datetime.datetime | None = None,
    expected_version: int | None = None,
) -> WorkOrder:  # fmt: skip
    """The customer is ready again: the clock resumes with the paused time added to the deadline."""
    work_order = work_order_for_update(work_order=work_order, expected_version=expected_version)
    if work_order.state != WorkOrder.State.HELD:
        raise WorkOrderError(_("The work order is not waiting on the customer."))
    assigned = work_order.team_id or work_order.technician_id
    work_order.state = WorkOrder.State.ASSIGNED if assigned else WorkOrder.State.OPEN
    work_order.appointment_at = appointment_at or work_order.appointment_at
    sla_resume(obj=work_order, when=timezone.now())
    work_order.save(update_fields=_bump(work_order, ["state", "appointment_at", *SLA_FIELDS]))
    if work_order.order_id:
        order_state_set(order=work_order.order, state=ProductOrder.State.IN_PROGRESS)
    return work_order


# --- The time-limit sweep (超时预警与升级) ----------------------------------------------------------------------


def _leads_for(work_order: WorkOrder) -> list:
    """Who hears of a breach: the lead of the region's dispatch centre and the lead of the assigned team."""
    units = OrgUnit.objects.filter(
        Q(kind=OrgUnit.Kind.DISPATCH_CENTRE, region_id=work_order.region_id) | Q(pk=work_order.team_id),
        lead__isnull=False,
    ).select_related("lead__staff_profile")
    return [unit.lead for unit in units]


def _on_warn(work_order: WorkOrder) -> None:
    phone = (
        getattr(getattr(work_order.technician, "staff_profile", None), "phone", "") if work_order.technician_id else ""
    )
    sms_send(recipient=phone, body=_("Work order %(wo)s is due at %(due)s.") % {
        "wo": work_order.wo_no, "due": timezone.localtime(work_order.due_at).strftime("%m-%d %H:%M")},
        purpose="sla_warning", related=[{"@referredType": "WorkOrder", "id": work_order.wo_no}])  # fmt: skip


def _on_breach(work_order: WorkOrder, breach) -> None:
    leads = _leads_for(work_order)
    for lead in leads:
        sms_send(
            recipient=getattr(getattr(lead, "staff_profile", None), "phone", ""),
            body=_("Escalation: work order %(wo)s (%(type)s) is past its time limit.")
            % {"wo": work_order.wo_no, "type": work_order.work_type},
            purpose="sla_escalation",
            related=[{"@referredType": "WorkOrder", "id": work_order.wo_no}],
        )
    breach.escalated_to = sorted({lead.get_username() for lead in leads})
    breach.save(update_fields=["escalated_to"])


def work_orders_sla_sweep(*, now: datetime.datetime | None = None) -> tuple[list[int], list[int]]:
    """Warn of work orders nearing their deadline and escalate the breached ones (run every few minutes)."""
    running = WorkOrder.objects.exclude(state__in=["completed", "cancelled", "held"]).select_related(
        "technician__staff_profile"
    )
    return sla_sweep(queryset=running, now=now or timezone.now(), on_warn=_on_warn, on_breach=_on_breach)


ARRIVAL_MINUTES_DEFAULT = 120  # the standard: on site within 2 hours of dispatch, unless an appointment was agreed


def arrival_due(work_order: WorkOrder, *, limits: dict | None = None) -> datetime.datetime | None:
    """When the technician must be on site: the agreed appointment, else dispatch + the onsite-arrival limit.
    ``limits`` memoizes the limit per (area kind, level) across a sweep."""
    if work_order.appointment_at:
        return work_order.appointment_at
    if work_order.dispatched_at is None:
        return None
    key = (work_order.area.kind if work_order.area_id else "", work_order.customer.service_level)
    if limits is None or key not in limits:
        limit = sla_selectors.limit_for(work_type="onsite_arrival", area_kind=key[0], service_level=key[1])
        minutes = limit.resolution_minutes if limit else ARRIVAL_MINUTES_DEFAULT
        if limits is None:
            return work_order.dispatched_at + datetime.timedelta(minutes=minutes)
        limits[key] = minutes
    return work_order.dispatched_at + datetime.timedelta(minutes=limits[key])


def _tell(work_order: WorkOrder, *, body: str, purpose: str, leads: bool) -> None:
    recipients = [work_order.technician] if work_order.technician_id else []
    if leads:
        recipients += _leads_for(work_order)
    for person in recipients:
        phone = getattr(getattr(person, "staff_profile", None), "phone", "")
        sms_send(recipient=phone, body=body, purpose=purpose,
                 related=[{"@referredType": "WorkOrder", "id": work_order.wo_no}])  # fmt: skip


def field_deadlines_sweep(*, now: datetime.datetime | None = None) -> tuple[list[int], list[int]]:
    """Field work that is late: not on site by the appointment (or 2 h after dispatch) — the technician and the
    leads are told; the installation/fault report not written within 24 h of finishing — likewise. Once each."""
    now = now or timezone.now()
    late, overdue = [], []
    shortest = (
        ServiceLimit.objects.filter(work_type="onsite_arrival", is_active=True).aggregate(m=Min("resolution_minutes"))[
            "m"
        ]
        or ARRIVAL_MINUTES_DEFAULT
    )
    # Only work that could be late by now, waiting in a field step, is looked at one by one.
    waiting = WorkOrder.objects.filter(
        Q(appointment_at__lt=now)
        | Q(appointment_at__isnull=True, dispatched_at__lt=now - datetime.timedelta(minutes=shortest)),
        state=WorkOrder.State.ASSIGNED, started_at__isnull=True, arrival_late_at__isnull=True, needs_field_visit=True,
        steps__state=WorkOrderStep.State.OPEN, steps__kind=StepKind.FIELD,
    ).select_related("area", "customer", "technician__staff_profile")  # fmt: skip
    limits: dict = {}
    for work_order in waiting:
        due = arrival_due(work_order, limits=limits)
        if due is None or due >= now:
            continue
        if WorkOrder.objects.filter(pk=work_order.pk, arrival_late_at__isnull=True).update(arrival_late_at=now):
            _tell(work_order, body=_("Work order %(wo)s: nobody on site yet (due %(due)s).") % {
                "wo": work_order.wo_no, "due": timezone.localtime(due).strftime("%m-%d %H:%M")},
                purpose="arrival_late", leads=True)  # fmt: skip
            late.append(work_order.pk)
    unreported = WorkOrder.objects.filter(
        finished_at__isnull=False, reported_at__isnull=True, report_due_at__lt=now, report_overdue_at__isnull=True
    ).select_related("technician__staff_profile")
    for work_order in unreported:
        if WorkOrder.objects.filter(pk=work_order.pk, report_overdue_at__isnull=True).update(report_overdue_at=now):
            _tell(work_order, body=_("Work order %(wo)s: the report is overdue.") % {"wo": work_order.wo_no},
                  purpose="report_overdue", leads=True)  # fmt: skip
            overdue.append(work_order.pk)
    return late, overdue


# --- What each automatic step does to the subscription --------------------------------------------------------


def _no_effect(order: ProductOrder, work_order: WorkOrder, step: WorkOrderStep) -> None:
    """Billing steps: the billing system learns of the change through the inventory events (issue: billing)."""


def _products(order: ProductOrder) -> list[Product]:
    if not order.product_id:
        return []
    product = Product.objects.select_related("specification").get(pk=order.product_id)
    components = product.components.select_related("specification").exclude(status=Product.Status.TERMINATED)
    return [product, *components.order_by("pk")]


def _resource_check(order, work_order, step) -> None:
    if order.address_id and not order.port_reservations.exclude(state="released").exists():
        port_reserve(order=order, address=order.address)


def _port_assignment(order, work_order, step) -> None:
    if order.order_type == "move":
        return  # the new port goes into use when the address changes, after the field move
    for product in _products(order):
        if product.specification_id and product.specification.needs_install:
            port_take_into_use(order=order, product=product)
            return


def _activate(order, work_order, step) -> None:
    for product in _products(order):
        if product.status in (Product.Status.CREATED, Product.Status.PENDING_ACTIVE):
            product_status_change(product=product, status=Product.Status.ACTIVE)


def _set_status(status: str, *, release_ports: bool = False):
    def effect(order, work_order, step) -> None:
        for product in _products(order):
            if product.status != status and status in _allowed(product.status):
                product_status_change(product=product, status=status)
            if release_ports:
                ports_release(product=product)

    return effect


def _allowed(status: str) -> set[str]:
    from .inventory import PRODUCT_TRANSITIONS

    return PRODUCT_TRANSITIONS[status]


def _config_change(order, work_order, step) -> None:
    from .inventory import product_offering_change

    product_offering_change(product=order.product, offering=order.offering)


def _address_change(order, work_order, step) -> None:
    product = order.product
    old = list(product.ports.exclude(state=PortReservation.State.RELEASED).exclude(order=order))
    port_take_into_use(order=order, product=product)
    for reservation in old:
        ports_release(order=reservation.order)
    product_attribute_change(product=product, install_address=order.address.text)
    for component in product.components.exclude(status=Product.Status.TERMINATED):
        product_attribute_change(product=component, install_address=order.address.text)


def _ownership_transfer(order, work_order, step) -> None:
    from .inventory import product_owner_change

    for product in _products(order):
        product_owner_change(product=product, customer=order.new_owner)


def _vas_activate(order, work_order, step) -> None:
    product = product_create(
        customer=order.customer,
        offering=order.offering,
        billing_account=order.product.billing_account if order.product_id else order.billing_account,
        status=Product.Status.ACTIVE,
        characteristics=[{"name": "attachedTo", "value": order.product.service_number if order.product_id else ""}],
    )
    order.items.filter(item_no=1).update(product=product)


def _auth_code_release(order, work_order, step) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    ProductOrder.objects.filter(pk=order.pk).update(authorization_code=code)
    with _zh():
        body = _("[China Telecom] Your number portability authorization code is %(code)s.") % {"code": code}
    sms_send(recipient=order.product.service_number, body=body, purpose="port_out_code",
             related=[{"@referredType": "ProductOrder", "id": order.order_no}])  # fmt: skip


def _zh():
    from django.utils import translation

    return translation.override("zh-hans")


def _port_in_check(order, work_order, step) -> None:
    """The number arrived from the other operator; its subscription was created at submit (the number is held)."""


STEP_EFFECTS = {
    "resource_check": _resource_check,
    "port_assignment": _port_assignment,
    "activation": _activate,
    "config_change": _config_change,
    "address_change": _address_change,
    "ownership_transfer": _ownership_transfer,
    "network_suspend": _set_status(Product.Status.SUSPENDED),
    "network_resume": _set_status(Product.Status.ACTIVE),
    "network_deactivate": _set_status(Product.Status.PENDING_TERMINATE),
    "port_release": _set_status(Product.Status.TERMINATED, release_ports=True),
    "terminate_product": _set_status(Product.Status.TERMINATED, release_ports=True),
    "vas_activate": _vas_activate,
    "vas_deactivate": _set_status(Product.Status.TERMINATED),
    "auth_code_release": _auth_code_release,
    "port_in_check": _port_in_check,
}
