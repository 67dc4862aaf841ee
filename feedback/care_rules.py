"""Event-triggered care (基于事件触发的主动服务): each enabled ``CareRule`` finds its events in the database, a
``CareRuleFiring`` per (rule, customer, event) makes it fire once per event however often it runs, and each new firing
becomes a care task for the account manager (or the outbound list) or, for greetings, an SMS."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing_sync.models import CustomerBill
from callcenter.models import TroubleTicket
from crm.messaging.services import sms_send
from customers.models import Customer, KeyAccountContract
from customers.selectors import preferred_phones

from .contact_policy import contact_record
from .models import CareRule, CareRuleFiring, CareTask, MarketingContact

log = logging.getLogger(__name__)
Kind = CareRule.Kind
GREETINGS = (Kind.BIRTHDAY, Kind.HOLIDAY)
LIVE = ("active", "suspended")


@dataclass(frozen=True)
class Event:
    customer_id: int
    key: str
    note: str = ""


@dataclass
class RunResult:
    fired: int = 0
    tasks: int = 0
    greetings: int = 0
    skipped_greetings: int = 0


def _bill_window(*, today: datetime.date, n: int, within_days: int, account_class: str | None):
    """Bills issued in the last ``within_days`` days with the average and count of the account's ``n`` bills before."""
    n = max(int(n), 1)
    table = CustomerBill._meta.db_table
    customer_table = Customer._meta.db_table
    class_filter = "AND c.customer_class = %s" if account_class else ""
    sql = f"""
        SELECT x.customer_id, x.bill_no, x.amount_due, x.avg_prev
        FROM (
            SELECT b.customer_id, b.bill_no, b.amount_due, b.bill_date,
                   AVG(b.amount_due) OVER w AS avg_prev, COUNT(*) OVER w AS n_prev
            FROM {table} b JOIN {customer_table} c ON c.id = b.customer_id
            WHERE b.bill_date > %s {class_filter}
            WINDOW w AS (PARTITION BY b.account_id ORDER BY b.period_start, b.id
                         ROWS BETWEEN {n} PRECEDING AND 1 PRECEDING)
        ) x
        WHERE x.bill_date > %s AND x.bill_date <= %s AND x.n_prev >= {n}
    """  # noqa: S608 - table names from the models, n is an int
    params: list = [today - datetime.timedelta(days=31 * (n + 1) + within_days)]
    if account_class:
        params.append(account_class)
    params += [today - datetime.timedelta(days=within_days), today]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _events(rule: CareRule, today: datetime.date, now: datetime.datetime) -> Iterable[Event]:
    p = rule.params or {}
    live = Customer.objects.filter(status__in=LIVE)
    if rule.kind == Kind.CHURN_RISK_RISE:
        # Scores are refreshed monthly; the event is "high this quarter", so a customer who stays high is not
        # re-tasked every day, yet comes back next quarter if the risk persists.
        threshold = Decimal(str(p.get("threshold", "0.7")))
        quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
        for cid, risk in live.filter(churn_risk__gte=threshold).values_list("id", "churn_risk").iterator():
            yield Event(cid, f"churn:{threshold}:{quarter}", _("Churn risk %(risk)s") % {"risk": risk})
    elif rule.kind == Kind.BILL_SHOCK:
        k = Decimal(str(p.get("k", "2")))
        rows = _bill_window(today=today, n=p.get("n", 3), within_days=p.get("within_days", 31), account_class=None)
        for cid, bill_no, amount, average in rows:
            if average and amount > k * average:
                note = _("Bill %(bill)s is %(amount)s against an average of %(avg)s") % {
                    "bill": bill_no, "amount": amount, "avg": round(average, 2)
                }  # fmt: skip
                yield Event(cid, f"bill:{bill_no}", note)
    elif rule.kind == Kind.KEY_ACCOUNT_USAGE_DROP:
        # The monthly bill is the usage signal every key account has; a drop of pct % against the average.
        drop = Decimal(str(p.get("pct", 30))) / 100
        rows = _bill_window(
            today=today, n=p.get("n", 3), within_days=p.get("within_days", 31), account_class="key_account"
        )
        for cid, bill_no, amount, average in rows:
            if average and amount < (1 - drop) * average:
                note = _("Bill %(bill)s is %(amount)s against an average of %(avg)s") % {
                    "bill": bill_no, "amount": amount, "avg": round(average, 2)
                }  # fmt: skip
                yield Event(cid, f"drop:{bill_no}", note)
    elif rule.kind == Kind.CONTRACT_EXPIRING:
        until = today + datetime.timedelta(days=int(p.get("days", 60)))
        contracts = KeyAccountContract.objects.filter(status="active", end_date__gte=today, end_date__lte=until)
        for cid, no, end in contracts.values_list("customer_id", "contract_no", "end_date").iterator():
            yield Event(cid, f"contract:{no}", _("Contract %(no)s ends on %(end)s") % {"no": no, "end": end})
    elif rule.kind == Kind.REPEATED_FAULTS:
        n, days = int(p.get("n", 3)), int(p.get("days", 30))
        faults = (
            TroubleTicket.objects.filter(ticket_type="fault", created_at__gte=now - datetime.timedelta(days=days))
            .values("customer_id")
            .annotate(count=Count("id"), first=Min("ticket_no"))
            .filter(count__gte=n)
        )
        for row in faults:
            # Keyed by the window's first fault: the same run of faults fires once, a new run later fires again.
            yield Event(row["customer_id"], f"faults:{row['first']}", _("%(n)s faults") % {"n": row["count"]})
    elif rule.kind == Kind.COMPLAINT_OVERDUE:
        overdue = TroubleTicket.objects.filter(
            ticket_type__in=["complaint", "regulator_complaint"], due_at__lt=now
        ).exclude(status__in=["resolved", "closed", "cancelled", "rejected"])
        for cid, no in overdue.values_list("customer_id", "ticket_no").iterator():
            yield Event(cid, f"complaint:{no}", _("Complaint %(no)s is past its deadline") % {"no": no})
    elif rule.kind == Kind.BIRTHDAY:
        born = live.filter(party__birth_date__month=today.month, party__birth_date__day=today.day)
        for cid in born.values_list("id", flat=True).iterator():
            yield Event(cid, f"birthday:{today.year}")
    elif rule.kind == Kind.HOLIDAY:
        when = str(p.get("date", ""))  # "MM-DD" every year, or "YYYY-MM-DD" (lunar holidays move)
        if when in (f"{today:%m-%d}", today.isoformat()):
            targets = live
            if p.get("customer_class"):
                targets = targets.filter(customer_class=p["customer_class"])
            for cid in targets.values_list("id", flat=True).iterator():
                yield Event(cid, f"holiday:{today.isoformat()}")


def _greet(rule: CareRule, customers: dict[int, Customer], events: list[Event], at, result: RunResult) -> None:
    phones = preferred_phones([c.party_id for c in customers.values()])
    holiday = (rule.params or {}).get("name", "")
    for event in events:
        customer = customers[event.customer_id]
        phone = phones.get(customer.party_id, "")
        decision, _contact = contact_record(
            customer=customer, channel="sms", purpose=MarketingContact.Purpose.CARE, at=at,
            campaign_ref=f"care:{rule.code}", outcome="sent" if phone else "no_phone",
        )  # fmt: skip
        if not decision.allowed or not phone:
            result.skipped_greetings += 1
            continue
        with translation.override("zh-hans"):
            body = rule.message_template.format_map({"name": customer.party.name, "holiday": holiday})
        sms_send(
            recipient=phone,
            body=body,
            purpose="care_greeting",
            related=[{"@referredType": "Customer", "id": customer.customer_no}],
        )
        result.greetings += 1


def care_rule_run(*, rule: CareRule, today: datetime.date, at: datetime.datetime, result: RunResult) -> None:
    """Fire one rule: new events only (the unique firing decides), then tasks or greetings, in one transaction."""
    with transaction.atomic():
        CareRule.objects.select_for_update().get(pk=rule.pk)  # two runs at once take turns per rule
        seen = set(CareRuleFiring.objects.filter(rule=rule).values_list("customer_id", "event_key"))
        events: dict[tuple[int, str], Event] = {}
        for event in _events(rule, today, at):
            if (event.customer_id, event.key) not in seen:
                events.setdefault((event.customer_id, event.key), event)
        if not events:
            return
        new = list(events.values())
        firings = CareRuleFiring.objects.bulk_create(
            [CareRuleFiring(rule=rule, customer_id=e.customer_id, event_key=e.key) for e in new], batch_size=1000
        )
        result.fired += len(firings)
        customers = Customer.objects.select_related("party").in_bulk({e.customer_id for e in new})
        if rule.kind in GREETINGS:
            _greet(rule, customers, new, at, result)
            # A key account's manager also gets a task to greet in person; public customers get the SMS only.
            pairs = [(e, f) for e, f in zip(new, firings, strict=True) if customers[e.customer_id].account_manager_id]
        else:
            pairs = list(zip(new, firings, strict=True))
        due = at + datetime.timedelta(days=rule.due_days)
        tasks = [
            CareTask(
                customer_id=e.customer_id,
                kind=rule.kind,
                rule=rule,
                firing=f,
                region_id=customers[e.customer_id].region_id,
                assigned_to_id=(
                    customers[e.customer_id].account_manager_id
                    if rule.owner == CareRule.Owner.ACCOUNT_MANAGER
                    else None
                ),
                note=(f"{rule.name}: {e.note}" if e.note else rule.name)[:500],
                due_at=due,
            )
            for e, f in pairs
        ]
        CareTask.objects.bulk_create(tasks, batch_size=1000)
        result.tasks += len(tasks)


def care_rules_run(*, today: datetime.date | None = None, at: datetime.datetime | None = None) -> RunResult:
    """Evaluate every enabled care rule for ``today`` and create the tasks and greetings of events not seen before."""
    at = at or timezone.now()
    today = today or timezone.localdate(at)
    result = RunResult()
    for rule in CareRule.objects.filter(is_enabled=True).order_by("pk"):
        care_rule_run(rule=rule, today=today, at=at, result=result)
    log.info("care rules: %s", result)
    return result
