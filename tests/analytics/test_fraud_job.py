"""The daily fraud run on PostgreSQL: a day of usage with a SIM-box line raises one alert, a rerun does not duplicate
it, rule parameters edited in the admin change the next run; the fast check of a usage batch."""

import datetime
import importlib
import json

import pytest
from django.apps import apps

from analytics.fraud.jobs import fraud_daily_prepare, fraud_daily_run_chunk
from analytics.fraud.services import fraud_batch_check
from analytics.models import AnalyticsJob, FraudAlert, FraudRule
from analytics.models.jobs import JobKind
from tests.customers.conftest import people, subscribe  # noqa: F401

from .fraud_fixtures import DAY, at, call, normal_day, sim_box_day, usage_rows_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def fraud_rules(db):
    """The seeded rule base (a transactional test elsewhere may have flushed it)."""
    if not FraudRule.objects.exists():
        importlib.import_module("analytics.migrations.0003_fraud_rules_seed").seed(apps, None)
    return {r.code: r for r in FraudRule.objects.all()}


@pytest.fixture
def lines(people, subscribe):  # noqa: F811
    """A SIM box (张伟明, Hefei), an ordinary line (张伟, Wuhu) and a busy company line with 60 calls from one cell."""
    box = subscribe(people["zhang"], "59", number="17490000001")
    ordinary = subscribe(people["zhangw"], "39", number="18955500000")
    busy = subscribe(people["corp"], "199", number="18955599999")
    for product in (box, ordinary, busy):
        product.start_date = DAY - datetime.timedelta(days=200)
        product.save(update_fields=["start_date"])
    return {"box": box, "ordinary": ordinary, "busy": busy}


@pytest.fixture
def day_of_usage(lines):
    products = {p.pk: p for p in lines.values()}
    records = sim_box_day(lines["box"].pk) + normal_day(lines["ordinary"].pk)
    records += sim_box_day(lines["busy"].pk, calls=60, distinct=50)
    usage_rows_create(records, products=products)
    return lines


def _run(variant: str = "") -> AnalyticsJob:
    from analytics.services.jobs import job_run_now

    return job_run_now(JobKind.FRAUD_DAILY, as_of=DAY, params={"variant": variant} if variant else {})


def test_a_sim_box_line_raises_one_alert_and_a_rerun_keeps_it_once(fraud_rules, day_of_usage, hefei):
    # when
    job = _run()
    # then: one alert, on the box, by the sim-box rule, with its evidence and the line's day
    assert job.status == "done", job.error
    alert = FraudAlert.objects.get()
    assert (alert.detector, alert.subject, alert.day) == ("sim-box", "17490000001", DAY)
    assert alert.rule == fraud_rules["sim-box"] and alert.severity == "critical" and alert.reason_code == "SIM_BOX"
    assert alert.customer.customer_no == "C00000000001" and alert.region_id == hefei.pk
    assert alert.alert_no == f"FA20261120{alert.pk:010d}" and alert.job == job
    assert alert.evidence["outgoing_calls"] == 120 and alert.evidence["cells"] == 1
    assert alert.evidence["daily"]["calls"] == 120.0
    assert job.result["alerts"] == 1 and job.result["by_detector"] == {"sim-box": 1}
    # when: the day runs again (another run of the job, and a retried chunk)
    again = _run("again")
    fraud_daily_run_chunk(again, 0, 10**9)
    # then: still the one alert
    assert again.status == "done"
    assert list(FraudAlert.objects.values_list("pk", flat=True)) == [alert.pk]


def test_a_line_that_goes_on_raises_no_new_alert_for_a_month(fraud_rules, day_of_usage):
    from analytics.services.jobs import job_run_now

    box = day_of_usage["box"]
    later = [DAY + datetime.timedelta(days=n) for n in (1, 2, 31)]
    for day in later:
        usage_rows_create(sim_box_day(box.pk, day=day), products={box.pk: box})
    _run()
    # when: the next day looks the same while the first alert waits for an analyst, and after it was dismissed
    job_run_now(JobKind.FRAUD_DAILY, as_of=later[0])
    FraudAlert.objects.update(status="dismissed", reviewed_at=at(23))
    job_run_now(JobKind.FRAUD_DAILY, as_of=later[1])
    # then: no second alert
    assert list(FraudAlert.objects.values_list("day", flat=True)) == [DAY]
    # when: a month has passed and the pattern goes on
    job_run_now(JobKind.FRAUD_DAILY, as_of=later[2])
    # then: it is raised again for a fresh look
    assert list(FraudAlert.objects.order_by("day").values_list("day", flat=True)) == [DAY, later[2]]


def test_rule_parameters_edited_in_the_admin_change_the_next_run(fraud_rules, day_of_usage, client, make_staff):
    _run()
    assert set(FraudAlert.objects.values_list("subject", flat=True)) == {"17490000001"}
    # given: an administrator lowers the SIM-box thresholds in the admin
    client.force_login(make_staff("admin"))
    rule = fraud_rules["sim-box"]
    form = {
        "code": rule.code, "name": rule.name, "detector": rule.detector, "reason_code": rule.reason_code,
        "severity": rule.severity, "enabled": "on", "description": rule.description,
        "params": json.dumps({"min_calls": 50, "min_distinct": 40, "max_in_out_ratio": 0.05, "max_cells": 1}),
    }  # fmt: skip
    response = client.post(f"/admin/analytics/fraudrule/{rule.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    # when
    _run("lower")
    # then: the busy company line is caught too
    assert set(FraudAlert.objects.values_list("subject", flat=True)) == {"17490000001", "18955599999"}
    # given: an analyst dismissed the company line; then the thresholds go up again, past the box too
    FraudAlert.objects.filter(subject="18955599999").update(status="dismissed", reviewed_at=at(23))
    response = client.post(f"/admin/analytics/fraudrule/{rule.pk}/change/", {**form, "params": '{"min_calls": 500}'})
    assert response.status_code == 302
    _run("higher")
    # then: the open alert the rule no longer raises is gone; the reviewed one stays as the analyst left it
    assert list(FraudAlert.objects.values_list("subject", "status")) == [("18955599999", "dismissed")]


def test_the_admin_refuses_parameters_the_detector_does_not_know(fraud_rules, client, make_staff):
    client.force_login(make_staff("admin"))
    rule = fraud_rules["sim-box"]
    response = client.post(
        f"/admin/analytics/fraudrule/{rule.pk}/change/",
        {"code": rule.code, "name": rule.name, "detector": rule.detector, "reason_code": rule.reason_code,
         "severity": rule.severity, "enabled": "on", "params": '{"min_cals": 5}'},
    )  # fmt: skip
    assert response.status_code == 200 and "unknown parameter" in response.content.decode()
    rule.refresh_from_db()
    assert "min_cals" not in rule.params


def test_usage_spike_and_subscription_fraud_read_their_history_from_the_database(fraud_rules, lines, people):  # noqa: F811
    from billing_sync.models import Payment

    # given: the ordinary line talked 10 minutes a day for two weeks, then 3 hours
    ordinary = lines["ordinary"]
    history = [call(ordinary.pk, at(9, day=DAY - datetime.timedelta(days=d)), seconds=600) for d in range(1, 15)]
    spike = [call(ordinary.pk, at(10 + i), seconds=1800) for i in range(6)]
    usage_rows_create(history + spike, products={ordinary.pk: ordinary})
    # and 张伟明 became a customer 20 days ago and ran up 300 yuan without paying; the company paid
    Customer = people["zhang"].__class__
    Customer.objects.filter(pk__in=[people["zhang"].pk, people["corp"].pk]).update(since=DAY - datetime.timedelta(20))
    for product, amount in ((lines["box"], 150), (lines["busy"], 150)):
        records = [call(product.pk, at(20 + i), seconds=60, charge=amount) for i in range(2)]
        usage_rows_create(records, products={product.pk: product})
    corp = people["corp"]
    Payment.objects.create(payment_no="P1", account=corp.accounts.get(), customer=corp, amount=100,
                           paid_at=at(12), channel="counter", method="cash", source="crm")  # fmt: skip
    # when
    _run()
    # then
    raised = {(a.detector, a.subject): a for a in FraudAlert.objects.all()}
    assert set(raised) == {("usage-spike", "18955500000"), ("subscription-fraud", "C00000000001")}
    spike_evidence = raised["usage-spike", "18955500000"].evidence
    assert spike_evidence["minutes"] == 180.0 and spike_evidence["baseline_median_minutes"] == 10.0
    new_customer = raised["subscription-fraud", "C00000000001"]
    assert new_customer.product is None and new_customer.evidence["usage_charges"] == 300.0
    assert new_customer.evidence["paid"] == 0.0 and new_customer.evidence["tenure_days"] == 20


def test_a_disabled_rule_raises_nothing(fraud_rules, day_of_usage):
    FraudRule.objects.filter(code="sim-box").update(enabled=False)
    job = AnalyticsJob.objects.create(kind=JobKind.FRAUD_DAILY, run_key="t", as_of=DAY)
    fraud_daily_prepare(job)
    assert fraud_daily_run_chunk(job, 0, 10**9) == 0
    assert not FraudAlert.objects.exists()


def test_a_usage_batch_runs_the_fast_rules_on_its_lines(fraud_rules, lines):
    from billing_sync.models import FeedBatch

    # given: a new line calling premium and satellite numbers, three calls at once, in one usage batch
    line = lines["ordinary"]
    line.start_date = DAY - datetime.timedelta(days=3)
    line.save(update_fields=["start_date"])
    batch = FeedBatch.objects.create(sender="billing", client_batch_id="U1", kind="usage", status="loaded",
                                     received_at=at(23), loaded_at=at(23, 5))  # fmt: skip
    records = [call(line.pk, at(2, i), to=to, seconds=300) for i, to in enumerate(["19001", "0088216", "19002"])]
    usage_rows_create(records, products={line.pk: line}, batch_id=batch.pk)
    usage_rows_create(sim_box_day(lines["box"].pk), products={lines["box"].pk: lines["box"]})  # not in the batch
    # when
    written = fraud_batch_check(batch_id=batch.pk)
    # then: the fast rules fired on the batch's line only; the SIM-box rule is not fast
    assert written == 2
    assert set(FraudAlert.objects.values_list("detector", "subject")) == {
        ("simultaneous-calls", "18955500000"),
        ("high-risk-new-line", "18955500000"),
    }
    # and a second delivery of the task changes nothing
    assert fraud_batch_check(batch_id=batch.pk) == 2 and FraudAlert.objects.count() == 2


def test_a_batch_reads_its_lines_usage_as_the_daily_run_reads_the_customers(day_of_usage):
    """The batch check reads through the listed subscriptions (one index range each on PostgreSQL); it must find
    exactly the records and voice minutes the daily run finds through the customers' range for those lines."""
    from analytics.fraud.loader import Scope, load_baseline_daily, load_usage_day

    box, ordinary = day_of_usage["box"], day_of_usage["ordinary"]
    usage_rows_create(normal_day(box.pk, day=DAY - datetime.timedelta(days=3)), products={box.pk: box})
    listed = Scope(product_ids=(box.pk, ordinary.pk))
    everyone = Scope(lo=0, hi=10**9)
    by_line = load_usage_day(DAY, listed).sort_values(["product_id", "started_s"]).reset_index(drop=True)
    all_lines = load_usage_day(DAY, everyone)
    expected = all_lines[all_lines["product_id"].isin([box.pk, ordinary.pk])]
    expected = expected.sort_values(["product_id", "started_s"]).reset_index(drop=True)
    assert len(by_line) == len(sim_box_day(box.pk)) + len(normal_day(ordinary.pk))
    assert by_line[["product_id", "customer_id", "started_s", "duration_s"]].equals(
        expected[["product_id", "customer_id", "started_s", "duration_s"]]
    )
    baseline = load_baseline_daily(DAY + datetime.timedelta(days=1), listed, window_days=10)
    whole = load_baseline_daily(DAY + datetime.timedelta(days=1), everyone, window_days=10)
    assert set(baseline["product_id"]) == {box.pk, ordinary.pk}
    assert baseline.sort_values(["product_id", "day"])["minutes"].tolist() == (
        whole[whole["product_id"].isin([box.pk, ordinary.pk])].sort_values(["product_id", "day"])["minutes"].tolist()
    )
