"""The branch's collection work on a dunning case (催缴): contact results, promises to pay, instalment plans, hand-over
to an outside agency, and write-offs with a second person's approval (four eyes).

Each action is validated here, recorded as a step of the case, put on the customer's timeline and audited."""

from __future__ import annotations

import calendar
import datetime
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.services import audit_record

from ..models import (
    CollectionTask,
    CustomerBill,
    DunningCase,
    Instalment,
    InstalmentPlan,
    PromiseToPay,
    WriteOff,
)
from ..models.dunning import LIVE_CASE_STATES
from .accounts import account_arrears_refresh
from .dunning import Kind, _close_open_work, pause_refresh, step_record

MAX_PROMISE_DAYS = 30
MIN_INSTALMENTS, MAX_INSTALMENTS = 2, 12
CENT = Decimal("0.01")


class CollectionRefused(ValueError):
    """The action is not allowed on this case (closed, wrong date or amount, not the right person…)."""


def _live(case: DunningCase) -> DunningCase:
    case = DunningCase.objects.select_for_update().select_related("customer", "account").get(pk=case.pk)
    if not case.is_live:
        raise CollectionRefused(_("The case is closed."))
    return case


def _amount(value) -> Decimal:
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        raise CollectionRefused(_("Enter an amount in yuan.")) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(CENT):
        raise CollectionRefused(_("Enter an amount in yuan, more than zero, with at most two decimals."))
    return amount


@transaction.atomic
def contact_record(*, task: CollectionTask, outcome: str, note: str = "", actor, now=None) -> CollectionTask:
    """Record the result of a collection call or visit; the task is done."""
    now = now or timezone.now()
    task = CollectionTask.objects.select_for_update().select_related("case").get(pk=task.pk)
    if task.state != CollectionTask.State.OPEN:
        raise CollectionRefused(_("This task is already closed."))
    if outcome not in CollectionTask.Outcome.values or not outcome:
        raise CollectionRefused(_("Choose the result of the contact."))
    task.state, task.outcome, task.note = CollectionTask.State.DONE, outcome, note.strip()[:500]
    task.done_at, task.done_by = now, actor
    task.save(update_fields=["state", "outcome", "note", "done_at", "done_by"])
    case = DunningCase.objects.select_related("customer", "account").get(pk=task.case_id)
    text = _("%(task)s: %(outcome)s.") % {"task": task.get_kind_display(), "outcome": task.get_outcome_display()}
    step_record(case, Kind.CONTACT, now=now, actor=actor, note=f"{text} {task.note}".strip())
    return task


@transaction.atomic
def promise_record(*, case: DunningCase, promised_on: datetime.date, amount, actor, now=None) -> PromiseToPay:
    """The customer promises to pay ``amount`` by ``promised_on`` (within 30 days): the case waits until then."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    case = _live(case)
    amount = _amount(amount)
    if case.status == DunningCase.Status.LEGAL:
        raise CollectionRefused(_("The case is with legal collection."))
    if not today < promised_on <= today + datetime.timedelta(days=MAX_PROMISE_DAYS):
        raise CollectionRefused(
            _("The promised date must be within the next %(days)s days.") % {"days": MAX_PROMISE_DAYS}
        )
    if amount > case.arrears:
        raise CollectionRefused(
            _("The promise cannot exceed the arrears of %(arrears)s yuan.") % {"arrears": case.arrears}
        )
    if case.promises.filter(state=PromiseToPay.State.PENDING).exists():
        raise CollectionRefused(_("A promise is already pending."))
    promise = PromiseToPay.objects.create(
        case=case, promised_on=promised_on, amount=amount, created_by=actor, created_at=now
    )
    case.status = DunningCase.Status.PAUSED
    pause_refresh(case)
    step_record(
        case,
        Kind.PROMISE,
        now=now,
        actor=actor,
        note=_("Promised to pay %(amount)s yuan by %(date)s.") % {"amount": amount, "date": promised_on.isoformat()},
    )
    return promise


def _add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def instalment_split(total: Decimal, count: int) -> list[Decimal]:
    """Equal monthly parts in fen; the last takes the remainder, so they sum to the total exactly."""
    part = (total / count).quantize(CENT, rounding=ROUND_DOWN)
    return [part] * (count - 1) + [total - part * (count - 1)]


@transaction.atomic
def instalment_plan_create(
    *, case: DunningCase, count: int, first_due: datetime.date, actor, now=None
) -> InstalmentPlan:
    """Split the arrears into ``count`` (2–12) monthly instalments from ``first_due``: the case waits while met."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    case = _live(case)
    if case.status == DunningCase.Status.LEGAL:
        raise CollectionRefused(_("The case is with legal collection."))
    if not MIN_INSTALMENTS <= int(count) <= MAX_INSTALMENTS:
        raise CollectionRefused(_("A plan has 2 to 12 monthly instalments."))
    if not today <= first_due <= today + datetime.timedelta(days=MAX_PROMISE_DAYS):
        raise CollectionRefused(
            _("The first instalment must fall due within the next %(days)s days.") % {"days": MAX_PROMISE_DAYS}
        )
    if case.arrears < MIN_INSTALMENTS * CENT:
        raise CollectionRefused(_("There are no arrears to split."))
    if case.instalment_plans.filter(state=InstalmentPlan.State.ACTIVE).exists():
        raise CollectionRefused(_("The case already has an active instalment plan."))
    plan = InstalmentPlan.objects.create(case=case, total=case.arrears, created_by=actor, created_at=now)
    Instalment.objects.bulk_create(
        Instalment(plan=plan, seq=n, due_on=_add_months(first_due, n - 1), amount=amount)
        for n, amount in enumerate(instalment_split(case.arrears, int(count)), start=1)
    )
    case.status = DunningCase.Status.PAUSED
    pause_refresh(case)
    step_record(
        case,
        Kind.INSTALMENT,
        now=now,
        actor=actor,
        note=_("Instalment plan: %(total)s yuan in %(count)s monthly instalments from %(date)s.")
        % {"total": plan.total, "count": count, "date": first_due.isoformat()},
    )
    return plan


@transaction.atomic
def agency_hand_over(*, case: DunningCase, agency: str, actor, now=None) -> DunningCase:
    """Hand the case to an outside collection agency (委外催收)."""
    now = now or timezone.now()
    case = _live(case)
    agency = agency.strip()[:100]
    if not agency:
        raise CollectionRefused(_("Enter the agency's name."))
    if case.agency == agency:
        raise CollectionRefused(_("The case is already with %(agency)s.") % {"agency": agency})
    case.agency, case.agency_since = agency, timezone.localdate(now)
    case.save(update_fields=["agency", "agency_since", "updated_at"])
    step_record(
        case,
        Kind.AGENCY,
        now=now,
        actor=actor,
        note=_("Handed to the collection agency %(agency)s.") % {"agency": agency},
    )
    return case


@transaction.atomic
def case_assign(*, case: DunningCase, collector, actor) -> DunningCase:
    """Give the case (and its open reminder calls) to a collector of the branch. Internal work sharing: audited, not
    a step the customer sees on the timeline."""
    case = _live(case)
    before = case.assigned_to.get_username() if case.assigned_to else ""
    case.assigned_to = collector
    case.save(update_fields=["assigned_to", "updated_at"])
    case.tasks.filter(state=CollectionTask.State.OPEN, kind=CollectionTask.Kind.REMINDER_CALL).update(
        assigned_to=collector
    )
    audit_record(action="update", obj=case, actor=actor,
                 changes={"assigned_to": [before, collector.get_username() if collector else ""]})  # fmt: skip
    return case


@transaction.atomic
def write_off_request(*, case: DunningCase, reason: str, actor, now=None) -> WriteOff:
    """Ask to write off the case's arrears as bad debt (坏账核销); another person approves."""
    now = now or timezone.now()
    case = _live(case)
    reason = reason.strip()[:300]
    if not reason:
        raise CollectionRefused(_("Give the reason for the write-off."))
    if case.arrears <= 0:
        raise CollectionRefused(_("There are no arrears to write off."))
    if case.write_offs.filter(state=WriteOff.State.REQUESTED).exists():
        raise CollectionRefused(_("A write-off is already awaiting approval."))
    write_off = WriteOff.objects.create(
        case=case, amount=case.arrears, reason=reason, requested_by=actor, requested_at=now
    )
    step_record(
        case,
        Kind.WRITE_OFF_REQUESTED,
        now=now,
        actor=actor,
        note=_("Write-off of %(amount)s yuan requested: %(reason)s") % {"amount": write_off.amount, "reason": reason},
    )
    return write_off


@transaction.atomic
def write_off_decide(*, write_off: WriteOff, approver, approve: bool, note: str = "", now=None) -> WriteOff:
    """Approve (the bills are written off oldest first and the case closes) or refuse a write-off.

    Needs ``accounts.approve_sensitive`` and is never decided by the person who asked."""
    now = now or timezone.now()
    write_off = WriteOff.objects.select_for_update().get(pk=write_off.pk)
    if not approver.has_perm("accounts.approve_sensitive"):
        raise PermissionDenied(_("Only a supervisor may decide a write-off."))
    if approver.pk == write_off.requested_by_id:
        raise CollectionRefused(_("A write-off is decided by someone other than the person who asked for it."))
    if write_off.state != WriteOff.State.REQUESTED:
        raise CollectionRefused(_("This write-off was already decided."))
    case = DunningCase.objects.select_for_update().select_related("customer", "account").get(pk=write_off.case_id)
    write_off.state = WriteOff.State.APPROVED if approve else WriteOff.State.REFUSED
    write_off.decided_by, write_off.decided_at, write_off.decision_note = approver, now, note.strip()[:300]
    write_off.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    if not approve:
        step_record(
            case,
            Kind.WRITE_OFF_REFUSED,
            now=now,
            actor=approver,
            note=_("Write-off refused. %(note)s") % {"note": write_off.decision_note},
        )
        return write_off
    if not case.is_live:
        raise CollectionRefused(_("The case is closed."))
    left, bills_done = write_off.amount, []
    bills = (
        CustomerBill.objects.select_for_update()
        .filter(account_id=case.account_id)
        .exclude(state=CustomerBill.State.SETTLED)
        .order_by("due_date", "id")
    )
    for bill in bills:
        share = min(left, bill.outstanding)
        if share <= 0:
            continue
        bill.written_off = F("written_off") + share
        bill.save(update_fields=["written_off"])
        bill.refresh_from_db(fields=["written_off", "amount_paid", "amount_due"])
        if bill.outstanding == 0:
            bill.state, bill.settled_at = CustomerBill.State.SETTLED, now
            bill.save(update_fields=["state", "settled_at"])
        bills_done.append(f"{bill.bill_no} {share}")
        left -= share
        if left == 0:
            break
    account_arrears_refresh(account_ids=[case.account_id], today=timezone.localdate(now))
    case.account.refresh_from_db(fields=["arrears_amount"])
    case.arrears = case.account.arrears_amount
    case.status, case.closed_at = DunningCase.Status.WRITTEN_OFF, now
    case.paused_until = case.next_reminder_at = None
    case.save(update_fields=["arrears", "status", "closed_at", "paused_until", "next_reminder_at", "updated_at"])
    _close_open_work(case, now=now, kept=False)
    step_record(
        case,
        Kind.WRITE_OFF_APPROVED,
        now=now,
        actor=approver,
        note=_("Write-off of %(amount)s yuan approved (requested by %(who)s): %(bills)s.")
        % {
            "amount": write_off.amount - left,
            "who": write_off.requested_by.get_username(),
            "bills": "; ".join(bills_done),
        },
    )
    return write_off


def live_case_of(account_id: int) -> DunningCase | None:
    return DunningCase.objects.filter(account_id=account_id, status__in=LIVE_CASE_STATES).first()
