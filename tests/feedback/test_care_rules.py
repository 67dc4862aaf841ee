"""Event-triggered care (主动关怀): rules as data fire once per event across runs, bill shock on a constructed
history, contracts expiring, repeated faults, and birthday greetings through the SMS log respecting the policy."""

import datetime
import importlib
import zoneinfo
from decimal import Decimal

import pytest
from django.apps import apps
from django.utils import timezone

from billing_sync.models import CustomerBill
from callcenter.models import TroubleTicket
from crm.messaging.models import OutboundMessage
from customers.models import BillingAccount, Customer, KeyAccountContract, Party
from feedback.care_rules import care_rules_run
from feedback.models import CareRule, CareRuleFiring, CareTask, ContactPolicy, MarketingContact
from feedback.tasks import care_rules_run_task
from tests.customers.conftest import people  # noqa: F401

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TODAY = datetime.date(2026, 12, 31)
AT = datetime.datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def only(db):
    """only("bill-shock") -> that seeded rule, every other rule disabled."""
    if not ContactPolicy.objects.exists():
        importlib.import_module("feedback.migrations.0004_default_contact_policy_and_care_rules").seed(apps, None)

    def _only(code: str) -> CareRule:
        CareRule.objects.exclude(code=code).update(is_enabled=False)
        return CareRule.objects.get(code=code)

    return _only


def _bill(customer, month: int, amount: str, year: int = 2026) -> CustomerBill:
    start = datetime.date(year, month, 1)
    end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return CustomerBill.objects.create(
        bill_no=f"B{customer.pk}-{year}{month:02d}", account=BillingAccount.objects.get(customer=customer),
        customer=customer,
        region=customer.region, period_start=start, period_end=end, bill_date=end + datetime.timedelta(days=1),
        due_date=end + datetime.timedelta(days=20), amount_due=Decimal(amount),
    )  # fmt: skip


def test_bill_shock_on_a_constructed_history_fires_once(people, only):  # noqa: F811
    rule = only("bill-shock")  # k = 2 × the average of the last 3 bills
    zhang, zhangw = people["zhang"], people["zhangw"]
    # Given Zhang's bills 80, 100, 120 (average 100) then 250 issued on 1 December
    for month, amount in ((8, "80"), (9, "100"), (10, "120"), (11, "250")):
        _bill(zhang, month, amount)
    # and Zhang Wei's 100, 100, 100 then 199 (not above 2 × 100)
    for month, amount in ((8, "100"), (9, "100"), (10, "100"), (11, "199")):
        _bill(zhangw, month, amount)
    today = datetime.date(2026, 12, 5)
    # When the rules run twice
    first = care_rules_run(today=today, at=AT)
    second = care_rules_run(today=today, at=AT + datetime.timedelta(days=1))
    # Then one task, for Zhang's November bill, unassigned for the outbound list
    task = CareTask.objects.get(rule=rule)
    assert task.customer == zhang and task.kind == "bill_shock" and task.assigned_to is None
    assert "250" in task.note and task.firing.event_key == f"bill:B{zhang.pk}-202611"
    assert task.due_at == AT + datetime.timedelta(days=rule.due_days)
    assert (first.tasks, second.tasks, second.fired) == (1, 0, 0)


def test_contract_expiring_goes_to_the_account_manager(people, only, make_staff):  # noqa: F811
    rule = only("contract-expiring")  # 60 days
    corp = people["corp"]
    manager = make_staff("account_manager")
    Customer.objects.filter(pk=corp.pk).update(account_manager=manager)

    def contract(no, days):
        return KeyAccountContract.objects.create(
            contract_no=no, customer=corp, title="专线", start_date=datetime.date(2025, 1, 1),
            end_date=TODAY + datetime.timedelta(days=days), value=Decimal("120000"), sla_level="3A",
        )  # fmt: skip

    contract("HT-1", 45)
    contract("HT-2", 90)  # not yet
    care_rules_run(today=TODAY, at=AT)
    care_rules_run(today=TODAY + datetime.timedelta(days=1), at=AT + datetime.timedelta(days=1))
    task = CareTask.objects.get(rule=rule)
    assert task.customer_id == corp.pk and task.assigned_to == manager and "HT-1" in task.note
    # Thirty days later the second contract is within 60 days and fires, the first does not fire again
    care_rules_run(today=TODAY + datetime.timedelta(days=31), at=AT + datetime.timedelta(days=31))
    keys = sorted(CareRuleFiring.objects.filter(rule=rule).values_list("event_key", flat=True))
    assert keys == ["contract:HT-1", "contract:HT-2"]
    assert CareTask.objects.filter(rule=rule).count() == 2


def test_birthday_greeting_by_sms_once_a_year(people, only):  # noqa: F811
    rule = only("birthday")
    zhang, zhangw = people["zhang"], people["zhangw"]
    Party.objects.filter(pk=zhang.party_id).update(birth_date=datetime.date(1949, 12, 31))
    Party.objects.filter(pk=zhangw.party_id).update(birth_date=datetime.date(1980, 12, 31))
    Customer.objects.filter(pk=zhangw.pk).update(marketing_opt_outs=["sms"])  # no greetings for Zhang Wei
    before = OutboundMessage.objects.count()
    # Given the marketing cap is used up: a greeting is care and still goes
    for i in range(3):
        MarketingContact.objects.create(
            customer=zhang, channel="sms", purpose="marketing", at=AT - datetime.timedelta(days=i)
        )
    first = care_rules_run(today=TODAY, at=AT)
    care_rules_run(today=TODAY, at=AT + datetime.timedelta(hours=2))
    messages = OutboundMessage.objects.filter(purpose="care_greeting")
    assert OutboundMessage.objects.count() == before + 1
    message = messages.get()
    assert message.recipient == "18955512345" and "张伟明" in message.body and "生日快乐" in message.body
    assert MarketingContact.objects.get(purpose="care").campaign_ref == "care:birthday"
    assert (first.fired, first.greetings, first.skipped_greetings) == (2, 1, 1)
    assert not CareTask.objects.filter(rule=rule).exists()  # no account manager: the SMS is the greeting
    # Next year's birthday is a new event
    care_rules_run(today=TODAY.replace(year=2027), at=AT.replace(year=2027))
    assert messages.count() == 2


def test_holiday_greeting_on_its_date_only(people, only):  # noqa: F811
    rule = only("spring-festival-2027")
    care_rules_run(today=datetime.date(2027, 2, 5), at=AT)
    assert not CareRuleFiring.objects.filter(rule=rule).exists()
    care_rules_run(today=datetime.date(2027, 2, 6), at=AT)
    bodies = list(OutboundMessage.objects.filter(purpose="care_greeting").values_list("body", flat=True))
    assert len(bodies) == 3 and all("春节快乐" in b for b in bodies)


def test_churn_risk_fires_once_per_quarter(people, only):  # noqa: F811
    rule = only("churn-risk")  # threshold 0.7
    Customer.objects.filter(pk=people["zhang"].pk).update(churn_risk=Decimal("0.8100"))
    Customer.objects.filter(pk=people["zhangw"].pk).update(churn_risk=Decimal("0.6900"))
    for day in (1, 2, 3):
        care_rules_run(today=datetime.date(2026, 11, day), at=AT)
    assert list(CareTask.objects.filter(rule=rule).values_list("customer_id", flat=True)) == [people["zhang"].pk]


def test_repeated_faults_and_overdue_complaints(people, only, make_staff):  # noqa: F811
    only("repeated-faults")  # 3 faults in 30 days
    CareRule.objects.filter(code="complaint-overdue").update(is_enabled=True)
    agent = make_staff("call_agent")
    zhang, zhangw = people["zhang"], people["zhangw"]
    now = timezone.now()

    def ticket(no, customer, kind, **extra):
        return TroubleTicket.objects.create(
            ticket_no=no, ticket_type=kind, customer=customer, description="x", owner=agent, region=customer.region,
            **extra,
        )  # fmt: skip

    for i in range(3):
        ticket(f"F{i}", zhang, "fault")
    ticket("F9", zhangw, "fault")
    ticket("T1", zhangw, "complaint", due_at=now - datetime.timedelta(hours=1))
    ticket("T2", zhang, "complaint", due_at=now + datetime.timedelta(hours=1))
    care_rules_run(at=now)
    care_rules_run(at=now + datetime.timedelta(minutes=5))
    kinds = sorted(CareTask.objects.values_list("kind", "customer_id"))
    assert kinds == sorted([("repeated_faults", zhang.pk), ("complaint_overdue", zhangw.pk)])


def test_key_account_spending_drop_and_the_daily_task(people, only):  # noqa: F811
    rule = only("key-account-drop")  # 30 % below the average of the last 3 bills
    for month, amount in ((8, "1000"), (9, "1000"), (10, "1000"), (11, "600")):
        _bill(people["corp"], month, amount)
    for month, amount in ((8, "100"), (9, "100"), (10, "100"), (11, "10")):
        _bill(people["zhang"], month, amount)  # a public customer: not this rule's business
    # The Celery task is thin and idempotent: run twice for the same day
    assert care_rules_run_task("2026-12-05")["tasks"] == 1
    assert care_rules_run_task("2026-12-05")["tasks"] == 0
    task = CareTask.objects.get(rule=rule)
    assert task.customer_id == people["corp"].pk and task.kind == "key_account_usage_drop"
