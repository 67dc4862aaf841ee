"""The daily arrears management run: refresh arrears, open cases, move them through the phases, resolve what was
paid, retry failed steps and pending resumptions."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import DecimalField, Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from crm.audit.services import audit_record
from crm.outbox.services import outbox_enqueue
from customers.models import BillingAccount, Customer

from ...models import CustomerBill, DunningAction, DunningCase, DunningPhase
from ...models.dunning import LIVE_CASE_STATES
from ..accounts import account_arrears_refresh
from .policy import DEFAULT_RULE, below_threshold, earliest_credit_shift, rule_for, rules_table
from .resume import _pause_check, _resume_pending_case_ids, case_resolve, dunning_resume
from .steps import Kind, _phase_enter, _services, _sms

logger = logging.getLogger(__name__)

CHUNK = 2000
STEP_CHUNK = 500  # cases per worker task when the run fans out


@dataclass
class DunningReport:
    """What one run did."""

    opened: int = 0
    advanced: int = 0
    resolved: int = 0
    suspended: int = 0
    terminated: int = 0
    failed: int = 0
    reminded: int = 0
    resumed: int = 0
    queued: int = 0


# --- The daily run ------------------------------------------------------------------------------------------------


def dunning_run(*, now: datetime.datetime | None = None, fan_out: bool | None = None) -> DunningReport:
    """The daily run: refresh arrears, open cases, move cases through the phases, check promises and instalment
    plans, resolve what was paid, retry failed steps and pending resumptions. Running twice at the same ``now``
    does nothing the second time.

    With ``fan_out`` (by default when tasks run on workers and more than ``STEP_CHUNK`` cases are due) the cases'
    steps are queued in chunks for the billing workers instead of run here; the report then counts them as queued."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = DunningReport()
    account_arrears_refresh(today=today)
    rules = rules_table()
    phases = list(DunningPhase.objects.order_by("number"))
    _arrears_sync()
    for case_id in _paid_case_ids(rules):
        if _guarded(_resolve_if_paid, case_id, rules=rules, now=now, report=report):
            report.resolved += 1
    report.opened += _cases_open(now=now, today=today, rules=rules)
    due = _due_case_ids(now=now, today=today, phases=phases)
    if fan_out is None:
        fan_out = not settings.CELERY_TASK_ALWAYS_EAGER and len(due) > STEP_CHUNK
    if fan_out:
        # After a bill run, a whole month's late payers fall due on the same day: the cases go to the billing
        # queue in chunks so every billing worker takes a share (each step is idempotent, so a redelivery is safe).
        from ...tasks import dunning_cases_step_task

        for start in range(0, len(due), STEP_CHUNK):  # through the outbox: a broker outage loses no chunk
            outbox_enqueue(dunning_cases_step_task, due[start : start + STEP_CHUNK], now.isoformat())
        report.queued += len(due)
    else:
        dunning_cases_step(case_ids=due, now=now, report=report, rules=rules, phases=phases)
    for case_id in _resume_pending_case_ids(now=now):
        report.resumed += len(dunning_resume(case_id=case_id, now=now))
    return report


def dunning_cases_step(
    *, case_ids: list[int], now: datetime.datetime, report: DunningReport | None = None, rules=None, phases=None
) -> DunningReport:
    """Move these cases through whatever is due for them at ``now`` (phases, reminders, pauses, retries), each in
    its own transaction. The daily run calls it, in-process or through workers in chunks."""
    report = report if report is not None else DunningReport()
    rules = rules if rules is not None else rules_table()
    phases = phases if phases is not None else list(DunningPhase.objects.order_by("number"))
    today = timezone.localdate(now)
    for case_id in case_ids:
        _guarded(_case_step, case_id, now=now, today=today, rules=rules, phases=phases, report=report)
    return report


def _guarded(func, case_id: int, *, report: DunningReport, **kwargs):
    """One case's work in its own transaction; an error is logged and counted, and the run goes on."""
    try:
        with transaction.atomic():
            return func(case_id, report=report, **kwargs)
    except Exception:
        logger.exception("Dunning step failed for case %s", case_id)
        report.failed += 1
        return None


def _arrears_sync() -> int:
    """Live cases carry their account's current arrears (set-based)."""
    current = BillingAccount.objects.filter(pk=OuterRef("account_id")).values("arrears_amount")[:1]
    return (
        DunningCase.objects.filter(status__in=LIVE_CASE_STATES)
        .exclude(arrears=F("account__arrears_amount"))
        .update(arrears=Subquery(current, output_field=DecimalField(max_digits=12, decimal_places=2)))
    )


def _paid_case_ids(rules) -> list[int]:
    highest = max([r.min_arrears for r in rules.values()] + [DEFAULT_RULE.min_arrears])
    return list(
        DunningCase.objects.filter(status__in=LIVE_CASE_STATES, arrears__lt=highest)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _resolve_if_paid(case_id: int, *, rules, now, report) -> bool:
    case = DunningCase.objects.select_for_update().select_related("customer", "account").get(pk=case_id)
    if not case.is_live or not below_threshold(case.arrears, rule_for(case.customer, rules)):
        return False
    case_resolve(case, now=now)
    return True


def _cases_open(*, now: datetime.datetime, today: datetime.date, rules) -> int:
    """A case for each account owing at least its rule's minimum with no live case, in chunks of accounts."""
    lowest = min([r.min_arrears for r in rules.values()] or [DEFAULT_RULE.min_arrears])
    oldest = (
        CustomerBill.objects.filter(account_id=OuterRef("pk"), due_date__lt=today)
        .exclude(state=CustomerBill.State.SETTLED)
        .order_by("due_date")
        .values("due_date")[:1]
    )
    live = DunningCase.objects.filter(account_id=OuterRef("pk"), status__in=LIVE_CASE_STATES)
    candidates = (
        BillingAccount.objects.filter(arrears_amount__gt=0, arrears_amount__gte=lowest)
        .exclude(Exists(live))
        .annotate(oldest_due=Subquery(oldest))
        .order_by("pk")
    )
    fields = (
        "pk",
        "customer_id",
        "customer__region_id",
        "customer__customer_class",
        "customer__service_level",
        "arrears_amount",
        "oldest_due",
    )
    opened, last = 0, 0
    while True:
        rows = list(candidates.filter(pk__gt=last).values_list(*fields)[:CHUNK])
        if not rows:
            return opened
        last = rows[-1][0]
        cases = []
        for pk, customer_id, region_id, cls, level, arrears, oldest_due in rows:
            rule = rule_for(Customer(customer_class=cls, service_level=level), rules)
            if below_threshold(arrears, rule):
                continue
            cases.append(
                DunningCase(
                    account_id=pk,
                    customer_id=customer_id,
                    region_id=region_id,
                    overdue_since=oldest_due or today,
                    arrears=arrears,
                    arrears_at_open=arrears,
                    opened_at=now,
                    status=DunningCase.Status.OPEN,
                    exempt=not (rule.automatic_suspension and rule.automatic_disconnection),
                )
            )
        with transaction.atomic():
            created = DunningCase.objects.bulk_create(cases, batch_size=CHUNK)
            DunningAction.objects.bulk_create(
                [
                    DunningAction(
                        case=c, kind=Kind.OPENED, phase=0, at=now, note=f"{c.arrears} / {c.overdue_since.isoformat()}"
                    )
                    for c in created
                ],
                batch_size=CHUNK,
            )
            for c in created:  # audited one by one (one insert each); the timeline starts with the first phase
                audit_record(action="create", obj=c, changes={"step": Kind.OPENED, "arrears": str(c.arrears),
                             "overdue_since": c.overdue_since.isoformat(), "exempt": c.exempt})  # fmt: skip
        opened += len(created)


def _due_case_ids(*, now: datetime.datetime, today: datetime.date, phases: list[DunningPhase]) -> list[int]:
    """Live cases with something due: a phase reached (grace is checked per case), a reminder, the end of a pause,
    or a failed step to retry."""
    due = Q(status=DunningCase.Status.OPEN, next_reminder_at__lte=now)
    due |= Q(status=DunningCase.Status.PAUSED) & (Q(paused_until__lt=today) | Q(paused_until__isnull=True))
    earlier = earliest_credit_shift()  # poorly rated customers may reach a phase before its day
    for phase in phases:
        since = today - datetime.timedelta(days=phase.starts_after_days + earlier)
        due |= Q(status=DunningCase.Status.OPEN, phase__lt=phase.number, overdue_since__lte=since)
    ids = set(DunningCase.objects.filter(due).values_list("pk", flat=True))
    return sorted(ids | set(_retry_case_ids()))


def _retry_case_ids(case_id: int | None = None) -> list[int]:
    """Cases whose last suspension or disconnection attempt in their current phase failed."""
    last_ok = (
        DunningAction.objects.filter(
            case_id=OuterRef("case_id"), phase=OuterRef("phase"), kind__in=(Kind.SUSPEND, Kind.TERMINATE)
        )
        .order_by()
        .values("case_id")
        .annotate(m=Max("pk"))
        .values("m")
    )
    failed = DunningAction.objects.filter(case_id=case_id) if case_id else DunningAction.objects.all()
    return list(
        failed.filter(
            kind=Kind.FAILED,
            case__status__in=(DunningCase.Status.OPEN, DunningCase.Status.LEGAL),
            phase=F("case__phase"),
        )
        .annotate(last_ok=Subquery(last_ok))
        .filter(Q(last_ok__isnull=True) | Q(pk__gt=F("last_ok")))
        .values_list("case_id", flat=True)
        .distinct()
    )


def _case_step(case_id: int, *, now, today, rules, phases, report) -> None:
    case = DunningCase.objects.select_for_update().select_related("customer", "account").get(pk=case_id)
    if not case.is_live:
        return
    rule = rule_for(case.customer, rules)
    retry = bool(_retry_case_ids(case.pk))  # failures of earlier runs (not the ones this run is about to make)
    if case.status == DunningCase.Status.PAUSED:
        _pause_check(case, now=now, today=today)
    if case.status == DunningCase.Status.OPEN:
        days = (today - case.overdue_since).days
        entered = False
        for phase in phases:
            if phase.number > case.phase and days >= phase.starts_after_days + rule.grace_days:
                _phase_enter(case, phase, rule, now=now, report=report)
                entered = True
                if case.status != DunningCase.Status.OPEN:
                    break
        current = next((p for p in phases if p.number == case.phase), None)
        if (
            not entered
            and current is not None
            and current.send_sms
            and current.remind_every_days
            and case.next_reminder_at is not None
            and case.next_reminder_at <= now
        ):
            _sms(case, current, now=now)
            report.reminded += 1
            case.next_reminder_at = now + datetime.timedelta(days=current.remind_every_days)
            case.save(update_fields=["next_reminder_at", "updated_at"])
    if case.status in (DunningCase.Status.OPEN, DunningCase.Status.LEGAL) and retry:
        current = next((p for p in phases if p.number == case.phase), None)
        if current is not None and current.terminate_services and rule.automatic_disconnection:
            _services(case, terminate=True, now=now, report=report)
        elif current is not None and current.suspend_services and rule.automatic_suspension:
            _services(case, terminate=False, now=now, report=report)
