"""The dunning engine (欠费管理) with a controllable clock: reminders, linked suspension, disconnection and legal
collection; payments stop the process and resume services; exemptions, grace, promises and instalments."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from billing_sync.models import (
    CollectionTask,
    DunningAction,
    DunningCase,
    DunningRule,
    InstalmentPlan,
    PromiseToPay,
)
from billing_sync.services.dunning import dunning_run, rule_for
from billing_sync.services.payments import payment_post
from crm.audit.models import AuditEntry
from crm.messaging.models import OutboundMessage
from crm.outbox.models import OutboxTask
from customers.models import PartyInteraction
from orders.models import OrderType, Product, ProductOrder

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dunning_policy")]
DAY = datetime.timedelta(days=1)


@pytest.fixture
def templates(db):
    """The work-order templates suspend, resume and terminate orders run through."""
    from tests.orders.conftest import _reseed_migration_data

    _reseed_migration_data()


@pytest.fixture
def clock():
    """Day 1 of arrears is now: a bill that fell due yesterday."""
    start = timezone.now()
    return lambda day: start + (day - 1) * DAY


@pytest.fixture
def debtor(people, subscribe, make_bill, templates):
    """Zhang (public, basic level) with two live lines and 120 yuan overdue since yesterday."""
    customer = people["zhang"]
    customer.service_level = "basic"
    customer.save(update_fields=["service_level"])
    account = customer.accounts.get()
    lines = [subscribe(customer, "59"), subscribe(customer, "39")]
    due = timezone.localdate() - DAY
    make_bill(account, "120.00", month=due.replace(day=1) - datetime.timedelta(days=40), due=due)
    return customer, account, lines


def _kinds(case):
    return list(case.actions.values_list("kind", flat=True))


def _timeline(customer):
    return PartyInteraction.objects.filter(customer=customer, interaction_type="dunning")


def test_the_whole_timeline_from_the_first_reminder_to_disconnection(debtor, clock, django_capture_on_commit_callbacks):
    customer, account, lines = debtor

    with django_capture_on_commit_callbacks(execute=True):
        report = dunning_run(now=clock(1))
    case = DunningCase.objects.get(account=account)
    assert report.opened == 1 and report.advanced == 1
    assert (case.status, case.phase, case.arrears, case.region_id) == ("open", 1, Decimal("120.00"), customer.region_id)
    assert case.overdue_since == timezone.localdate(clock(1)) - DAY
    sms = OutboundMessage.objects.filter(purpose="dunning")
    assert sms.count() == 1 and sms.get().recipient == "18955512345" and "120.00" in sms.get().body
    task = CollectionTask.objects.get(case=case)
    assert (task.kind, task.state, task.region_id) == ("reminder_call", "open", customer.region_id)
    assert {"sms", "outbound_call", "system"} <= set(_timeline(customer).values_list("channel", flat=True))
    audit = AuditEntry.objects.filter(object_type="billing_sync.dunningcase", object_id=str(case.pk))
    assert audit.filter(action="create", changes__step="opened").count() == 1
    assert audit.filter(changes__step="phase", changes__phase=1).count() == 1 and audit.count() == len(_kinds(case))

    # Day 6: the reminder repeats (every 5 days); nothing else happens.
    dunning_run(now=clock(4))
    assert sms.count() == 1
    dunning_run(now=clock(6))
    assert sms.count() == 2
    case.refresh_from_db()
    assert case.phase == 1

    # Day 10: still phase 1; day 11: linked suspension of both lines through the orders service.
    dunning_run(now=clock(10))
    assert not ProductOrder.objects.filter(order_type=OrderType.SUSPEND).exists()
    report = dunning_run(now=clock(11))
    case.refresh_from_db()
    assert case.phase == 2 and report.suspended == 2
    suspends = ProductOrder.objects.filter(order_type=OrderType.SUSPEND)
    assert {o.product_id for o in suspends} == {p.pk for p in lines}
    assert {o.idempotency_key for o in suspends} == {f"dunning-{case.pk}-suspend-{p.pk}" for p in lines}
    assert all(o.channel == "api" and o.description == "欠费关联停机" for o in suspends)
    assert {p.status for p in Product.objects.filter(pk__in=[p.pk for p in lines])} == {"suspended"}
    step = case.actions.get(kind="suspend")
    assert sorted(step.orders) == sorted(o.order_no for o in suspends)
    assert sorted(step.product_ids) == sorted(p.pk for p in lines)
    assert _timeline(customer).filter(reason=str(DunningAction.Kind.SUSPEND.label)).exists()

    # Day 21: disconnection and legal collection.
    report = dunning_run(now=clock(21))
    case.refresh_from_db()
    assert (case.phase, case.status) == (3, "legal") and report.terminated == 2
    terminates = ProductOrder.objects.filter(order_type=OrderType.TERMINATE)
    assert {o.product_id for o in terminates} == {p.pk for p in lines}
    assert {p.status for p in Product.objects.filter(pk__in=[p.pk for p in lines])} == {"terminated"}
    assert _kinds(case) == ["opened", "phase", "sms", "call_task", "sms", "phase", "sms", "suspend", "phase", "sms",
                            "terminate", "legal"]  # fmt: skip
    assert _timeline(customer).count() == len(_kinds(case)) - 1  # every step but the opening (the first phase says it)
    assert sms.count() == 4

    # Idempotent: the same day again changes nothing.
    before = (DunningAction.objects.count(), ProductOrder.objects.count(), OutboundMessage.objects.count())
    report = dunning_run(now=clock(21))
    assert (report.opened, report.advanced, report.suspended, report.terminated) == (0, 0, 0, 0)
    assert (DunningAction.objects.count(), ProductOrder.objects.count(), OutboundMessage.objects.count()) == before


def test_running_twice_at_the_same_time_does_nothing_the_second_time(debtor, clock):
    dunning_run(now=clock(11))
    models = (DunningCase, DunningAction, ProductOrder, CollectionTask, PartyInteraction, AuditEntry, OutboundMessage)
    counts = [m.objects.count() for m in models]
    report = dunning_run(now=clock(11))
    assert report == type(report)()
    assert counts == [m.objects.count() for m in models]


def test_a_payment_during_phase_2_resumes_the_services_and_resolves_the_case(
    debtor, clock, make_staff, django_capture_on_commit_callbacks
):
    _customer, account, lines = debtor
    dunning_run(now=clock(1))
    dunning_run(now=clock(12))
    assert {p.status for p in Product.objects.filter(pk__in=[p.pk for p in lines])} == {"suspended"}

    with django_capture_on_commit_callbacks(execute=True):
        payment_post(account=account, amount="120", channel="counter", method="cash", actor=make_staff("hall_clerk"),
                     paid_at=clock(13))  # fmt: skip
    case = DunningCase.objects.get(account=account)
    assert (case.status, case.arrears) == ("resolved", 0) and case.closed_at is not None
    resumes = ProductOrder.objects.filter(order_type=OrderType.RESUME)
    assert {o.idempotency_key for o in resumes} == {f"dunning-{case.pk}-resume-{p.pk}" for p in lines}
    assert {p.status for p in Product.objects.filter(pk__in=[p.pk for p in lines])} == {"active"}
    assert case.actions.filter(kind="resume").get().product_ids == sorted(p.pk for p in lines)
    assert not case.tasks.filter(state="open").exists()

    # The process stopped: no disconnection later.
    dunning_run(now=clock(25))
    assert not ProductOrder.objects.filter(order_type=OrderType.TERMINATE).exists()
    assert DunningCase.objects.filter(account=account).count() == 1


def test_a_part_payment_keeps_the_case_and_a_failed_resume_is_retried_by_the_daily_run(
    debtor, clock, django_capture_on_commit_callbacks, monkeypatch
):
    _customer, account, lines = debtor
    dunning_run(now=clock(11))
    payment_post(account=account, amount="100", channel="counter", method="cash", paid_at=clock(12))
    case = DunningCase.objects.get(account=account)
    assert (case.status, case.arrears) == ("open", Decimal("20.00"))

    import billing_sync.tasks as tasks

    def broken(*args, **kwargs):
        raise RuntimeError("broker down")

    monkeypatch.setattr(tasks.dunning_resume_task, "apply_async", broken)  # what the outbox publishes with
    with django_capture_on_commit_callbacks(execute=True):
        payment, _ = payment_post(account=account, amount="20", channel="counter", method="cash", paid_at=clock(12))
    case.refresh_from_db()
    assert case.status == "resolved" and payment.pk  # the payment stands although the resume could not start
    assert OutboxTask.objects.filter(task_name=tasks.dunning_resume_task.name, sent_at__isnull=True).count() == 1
    assert {p.status for p in Product.objects.filter(pk__in=[p.pk for p in lines])} == {"suspended"}

    report = dunning_run(now=clock(13))
    assert report.resumed == 2
    assert {p.status for p in Product.objects.filter(pk__in=[p.pk for p in lines])} == {"active"}
    assert dunning_run(now=clock(13)).resumed == 0


def test_a_refused_suspension_is_a_failed_step_retried_next_day_and_other_accounts_go_on(
    debtor, clock, people, subscribe, make_bill
):
    customer, account, lines = debtor
    other = people["zhangw"]
    other.service_level = "basic"
    other.save(update_fields=["service_level"])
    other_line = subscribe(other, "29")
    make_bill(other.accounts.get(), "50.00", month=datetime.date(2026, 8, 1), due=timezone.localdate() - DAY)
    # An open order on the first line blocks its suspension.
    blocker = ProductOrder.objects.create(order_no="DBLOCK1", order_type="change", customer=customer,
                                          product=lines[0], region=customer.region, channel="own_hall",
                                          state="inProgress")  # fmt: skip

    report = dunning_run(now=clock(11))
    case = DunningCase.objects.get(account=account)
    assert report.failed == 1 and report.suspended == 2
    failed = case.actions.get(kind="failed")
    assert failed.product_ids == [lines[0].pk] and "DBLOCK1" in failed.note
    assert Product.objects.get(pk=lines[1].pk).status == "suspended"
    assert Product.objects.get(pk=other_line.pk).status == "suspended"

    blocker.state = "cancelled"
    blocker.save(update_fields=["state"])
    report = dunning_run(now=clock(12))
    assert report.suspended == 1 and report.failed == 0
    assert Product.objects.get(pk=lines[0].pk).status == "suspended"
    assert dunning_run(now=clock(12)).suspended == 0


@pytest.mark.parametrize("who", ["corp", "diamond"])
def test_key_accounts_and_diamond_customers_get_their_manager_instead_of_automatic_suspension(
    who, people, subscribe, make_bill, templates, clock, make_staff
):
    manager = make_staff("account_manager")
    customer = people["corp"] if who == "corp" else people["zhang"]
    if who == "diamond":
        customer.service_level = "diamond"
    customer.account_manager = manager
    customer.save()
    line = subscribe(customer, "199")
    make_bill(customer.accounts.get(), "500.00", month=datetime.date(2026, 8, 1), due=timezone.localdate() - DAY)

    dunning_run(now=clock(1))
    dunning_run(now=clock(11))
    dunning_run(now=clock(21))
    case = DunningCase.objects.get(customer=customer)
    assert case.exempt and case.phase == 3 and case.status == "open"
    assert not ProductOrder.objects.exists()
    assert Product.objects.get(pk=line.pk).status == "active"
    manager_tasks = CollectionTask.objects.filter(case=case, kind="manager")
    assert manager_tasks.count() == 1 and manager_tasks.get().assigned_to == manager
    assert "manager_task" in _kinds(case) and "suspend" not in _kinds(case)


def test_the_most_specific_rule_wins_and_gold_customers_get_five_more_days(debtor, clock):
    customer, _account, _lines = debtor
    customer.service_level = "gold"
    customer.save(update_fields=["service_level"])
    assert rule_for(customer).grace_days == 5
    DunningRule.objects.create(customer_class="public", service_level="gold", grace_days=2, min_arrears=10)
    assert rule_for(customer).grace_days == 2
    DunningRule.objects.filter(customer_class="public").delete()

    dunning_run(now=clock(1))
    assert not DunningCase.objects.filter(phase__gt=0).exists()  # day 1 + 5 days of grace: not yet
    dunning_run(now=clock(6))
    assert DunningCase.objects.get().phase == 1
    dunning_run(now=clock(11))
    assert not ProductOrder.objects.exists()
    dunning_run(now=clock(16))
    assert DunningCase.objects.get().phase == 2
    assert ProductOrder.objects.filter(order_type=OrderType.SUSPEND).count() == 2


def test_small_arrears_below_the_threshold_open_no_case(people, make_bill, clock):
    make_bill(people["zhang"].accounts.get(), "9.99", month=datetime.date(2026, 8, 1), due=timezone.localdate() - DAY)
    assert dunning_run(now=clock(3)).opened == 0
    assert not DunningCase.objects.exists()


def test_a_promise_pauses_the_case_and_a_broken_promise_resumes_it(debtor, clock, make_staff):
    from billing_sync.services.collections import promise_record

    _customer, _account, _lines = debtor
    dunning_run(now=clock(1))
    case = DunningCase.objects.get()
    clerk = make_staff("hall_clerk")
    promise_record(case=case, promised_on=timezone.localdate(clock(15)), amount=Decimal("120"), actor=clerk,
                   now=clock(3))  # fmt: skip
    case.refresh_from_db()
    assert (case.status, case.paused_until) == ("paused", timezone.localdate(clock(15)))

    dunning_run(now=clock(12))
    dunning_run(now=clock(15))
    case.refresh_from_db()
    assert case.status == "paused" and case.phase == 1
    assert not ProductOrder.objects.exists()

    dunning_run(now=clock(16))
    case.refresh_from_db()
    assert case.status == "open" and case.phase == 2
    assert PromiseToPay.objects.get().state == "broken"
    assert "promise_broken" in _kinds(case) and ProductOrder.objects.filter(order_type="suspend").count() == 2


def test_a_promise_is_kept_by_a_payment(debtor, clock, make_staff):
    from billing_sync.services.collections import promise_record

    _customer, account, _lines = debtor
    dunning_run(now=clock(1))
    case = DunningCase.objects.get()
    promise_record(case=case, promised_on=timezone.localdate(clock(8)), amount=Decimal("50"), actor=make_staff(
        "hall_clerk"), now=clock(2))  # fmt: skip
    payment_post(account=account, amount="60", channel="counter", method="cash", paid_at=clock(5))
    case.refresh_from_db()
    assert PromiseToPay.objects.get().state == "kept"
    assert (case.status, case.arrears) == ("open", Decimal("60.00"))


def test_instalments_pause_while_met_and_a_missed_one_breaks_the_plan(debtor, clock, make_staff):
    from billing_sync.services.collections import instalment_plan_create

    _customer, account, _lines = debtor
    dunning_run(now=clock(1))
    case = DunningCase.objects.get()
    plan = instalment_plan_create(case=case, count=3, first_due=timezone.localdate(clock(5)), actor=make_staff(
        "hall_clerk"), now=clock(2))  # fmt: skip
    assert [i.amount for i in plan.instalments.all()] == [Decimal("40.00")] * 3
    case.refresh_from_db()
    assert case.status == "paused" and case.paused_until == timezone.localdate(clock(5))

    payment_post(account=account, amount="40", channel="counter", method="cash", paid_at=clock(4))
    case.refresh_from_db()
    assert case.status == "paused" and plan.instalments.get(seq=1).paid == Decimal("40.00")
    assert case.paused_until == plan.instalments.get(seq=2).due_on
    dunning_run(now=clock(11))
    case.refresh_from_db()
    assert case.status == "paused" and case.phase == 1  # the plan is met: no suspension on day 11

    second_due = plan.instalments.get(seq=2).due_on
    late = datetime.datetime.combine(second_due + DAY, datetime.time(3), tzinfo=timezone.get_current_timezone())
    dunning_run(now=late)
    case.refresh_from_db()
    plan.refresh_from_db()
    assert plan.state == InstalmentPlan.State.BROKEN and case.status != "paused" and case.phase == 3
    assert "instalment_broken" in _kinds(case) and ProductOrder.objects.filter(order_type="suspend").exists()


def test_a_payment_after_disconnection_closes_the_case_and_says_the_lines_stay_disconnected(
    debtor, clock, django_capture_on_commit_callbacks
):
    customer, account, lines = debtor
    dunning_run(now=clock(11))
    dunning_run(now=clock(21))
    with django_capture_on_commit_callbacks(execute=True), translation.override("en"):
        payment_post(account=account, amount="120", channel="counter", method="cash", paid_at=clock(22))
    case = DunningCase.objects.get()
    assert case.status == "resolved"
    assert not ProductOrder.objects.filter(order_type=OrderType.RESUME).exists()
    assert {p.status for p in Product.objects.filter(pk__in=[p.pk for p in lines])} == {"terminated"}
    said = case.actions.get(kind="resume")
    assert said.orders == [] and sorted(said.product_ids) == sorted(p.pk for p in lines)
    # Written by the resume task in the operator's language (Chinese), whatever language the payer's page was in.
    with translation.override("zh-hans"):
        said_text = translation.gettext("%(numbers)s stay disconnected (拆机 cannot be undone by a payment).")
    tail = said_text.split("%(numbers)s")[1].strip()
    entries = _timeline(customer).filter(description__contains=tail)
    assert tail and all(entries.filter(description__contains=p.service_number).exists() for p in lines)
    dunning_run(now=clock(23))
    assert case.actions.filter(kind="resume").count() == 1


def test_the_daily_job_is_scheduled_at_three_and_runs_the_engine(debtor):
    from celery.schedules import crontab

    from billing_sync.tasks import dunning_run_task
    from crm.schedules import beat_schedule

    entry = beat_schedule()["dunning-run"]
    assert entry["task"] == "billing_sync.tasks.dunning_run_task"
    assert entry["schedule"] == crontab(minute=0, hour=3)
    result = dunning_run_task.delay().get()
    assert result["opened"] == 1 and result["advanced"] == 1
    assert DunningCase.objects.get().phase == 1


def test_an_error_on_one_case_is_counted_and_rolled_back_while_the_others_go_on(
    debtor, clock, people, make_bill, monkeypatch
):
    import billing_sync.services.dunning.steps as engine  # _phase_enter looks _sms up in the steps module

    customer, _account, _lines = debtor
    other = people["zhangw"]
    make_bill(other.accounts.get(), "50.00", month=datetime.date(2026, 8, 1), due=timezone.localdate() - DAY)
    real_sms = engine._sms

    def flaky(case, phase, *, now):
        if case.customer_id == customer.pk:
            raise RuntimeError("gateway exploded")
        return real_sms(case, phase, now=now)

    monkeypatch.setattr(engine, "_sms", flaky)
    report = dunning_run(now=clock(6))
    assert report.failed == 1 and report.opened == 2
    mine, theirs = DunningCase.objects.get(customer=customer), DunningCase.objects.get(customer=other)
    assert mine.phase == 0 and not mine.actions.exclude(kind="opened").exists()  # its step was rolled back
    assert theirs.phase == 1

    monkeypatch.setattr(engine, "_sms", real_sms)
    dunning_run(now=clock(7))
    mine.refresh_from_db()
    assert mine.phase == 1 and mine.actions.filter(kind="sms").count() == 1


def test_a_run_that_fans_out_to_workers_does_the_same_steps(debtor, clock, django_capture_on_commit_callbacks):
    """After a bill run many cases fall due the same day: the run queues them in chunks for the billing workers
    (tasks run eagerly here) and each chunk does exactly what the in-process run does."""
    _customer, account, lines = debtor
    with django_capture_on_commit_callbacks(execute=True):
        dunning_run(now=clock(1))
    with django_capture_on_commit_callbacks(execute=True):  # the chunks go through the task outbox
        report = dunning_run(now=clock(11), fan_out=True)
    case = DunningCase.objects.get(account=account)
    assert report.queued == 1 and report.suspended == 0  # counted by the worker's report, not this one
    assert case.phase == 2
    assert {p.status for p in Product.objects.filter(pk__in=[p.pk for p in lines])} == {"suspended"}
    assert dunning_run(now=clock(11), fan_out=True).queued == 0  # nothing due any more: nothing queued
