"""The credit job on PostgreSQL: it trains on behaviour before an earlier cut-off and the bad debt after it, scores
live customers, and its ratings are used: a low rating blocks an extra line, and the arrears policy gives poorly
rated customers less time and well rated ones more."""

import datetime

import pytest
from django.utils import timezone

from analytics.credit import jobs as credit_jobs
from analytics.credit.loader import bad_debt_ids, credit_frame
from analytics.models import AnalyticsJob, CreditScore, ModelVersion
from analytics.models.jobs import JobKind
from customers.models import Customer
from tests.analytics.population_h5 import AS_OF, add_bills, make_customer
from tests.billing_sync.conftest import dunning_policy, make_bill  # noqa: F401
from tests.customers.conftest import people, subscribe  # noqa: F401

pytestmark = pytest.mark.django_db
CUT = AS_OF - datetime.timedelta(days=180)


@pytest.fixture
def payers(hefei, settings, tmp_path):
    """40 customers who pay on time and 14 who paid late and then stopped paying 8 months ago."""
    settings.ANALYTICS_MODEL_DIR = tmp_path
    good, bad = [], []
    for i in range(54):
        customer, account, _line = make_customer(hefei, since=datetime.date(2021, 6, 1) + datetime.timedelta(days=i))
        if i < 40:
            add_bills(customer, account, months=24, amount=f"{60 + i}.00", paid_days_late=i % 3)
            good.append(customer)
        else:
            add_bills(customer, account, months=24, amount="80.00", paid_days_late=35, unpaid_from_back=8)
            bad.append(customer)
    return good, bad


def _job(**params):
    return AnalyticsJob.objects.create(kind=JobKind.CREDIT, run_key=f"credit:{params}", as_of=AS_OF, params=params)


def _run(job):
    credit_jobs.prepare(job)
    ids = sorted(Customer.objects.values_list("pk", flat=True))
    middle = ids[len(ids) // 2]
    return credit_jobs.run_chunk(job, ids[0], middle) + credit_jobs.run_chunk(job, middle, ids[-1] + 1)


def test_features_at_a_past_cut_off_do_not_see_later_payments_or_bills(payers):
    good, bad = payers
    at_cut = credit_frame(CUT, ids=[bad[0].pk, good[0].pk], live_only=False)
    now = credit_frame(AS_OF, ids=[bad[0].pk])
    # At the cut-off, the 2 bills of the last 8 months that were already due are open; by now 7 more are.
    assert at_cut.loc[bad[0].pk, "arrears_now"] == 160
    assert now.loc[bad[0].pk, "arrears_now"] == 640
    assert at_cut.loc[good[0].pk, "late_bills_12m"] == 0
    assert bad_debt_ids([c.pk for c in good + bad], cut=CUT, end=AS_OF) == {c.pk for c in bad}


def test_the_job_trains_a_version_scores_everyone_and_sets_ratings(payers):
    good, bad = payers
    job = _job()

    rows = _run(job)
    summary = credit_jobs.finish(job)

    assert rows == 54
    version = ModelVersion.objects.get(kind="credit")
    assert version.status == "promoted"  # the first credit model is used at once
    assert version.metrics["auc"] >= 0.9 and version.metrics["ks"] > 0.5
    assert job.result["writes_ratings"] is True
    ratings = dict(Customer.objects.values_list("pk", "credit_rating"))
    assert max(ratings[c.pk] for c in bad) < 40 <= min(ratings[c.pk] for c in good)
    assert sum(summary["grades"].values()) == 54
    worst = CreditScore.objects.get(customer=bad[0], as_of=AS_OF)
    assert worst.grade == "D" and worst.bad_debt_probability > 0.5 and worst.reasons

    # A second try of the same range replaces its rows.
    credit_jobs.run_chunk(job, 0, 10**9)
    assert CreditScore.objects.filter(as_of=AS_OF).count() == 54


def test_a_candidate_model_does_not_change_ratings_until_promoted(payers):
    _run(_job())
    Customer.objects.update(credit_rating=None)
    job = _job(variant="again")
    _run(job)
    assert ModelVersion.objects.filter(kind="credit", status="candidate").count() == 1
    assert job.result["writes_ratings"] is False
    assert not Customer.objects.filter(credit_rating__isnull=False).exists()
    assert CreditScore.objects.filter(model_id=job.result["model_version_id"]).count() == 54


def test_a_low_rating_from_the_job_blocks_an_extra_line(payers):
    from orders.eligibility import OrderRequest, order_checks
    from orders.models import CreditLineLimit

    for rating, lines in [(0, 1), (40, 3), (60, 5), (80, 10)]:
        CreditLineLimit.objects.get_or_create(min_rating=rating, defaults={"max_lines": lines})
    good, bad = payers
    _run(_job())

    def credit_check(customer):
        customer.refresh_from_db()
        checks = order_checks(OrderRequest(order_type="new", customer=customer))
        return next(c for c in checks if c.code == "credit_lines")

    assert credit_check(bad[0]).ok is False  # rated below 40: one line, and it has one
    assert credit_check(good[0]).ok is True


@pytest.fixture
def debtor(people, subscribe, make_bill, dunning_policy):  # noqa: F811
    """Zhang (public, basic level) with two live lines and 120 yuan overdue since yesterday."""
    from tests.orders.conftest import _reseed_migration_data

    _reseed_migration_data()
    customer = people["zhang"]
    customer.service_level = "basic"
    customer.save(update_fields=["service_level"])
    account = customer.accounts.get()
    subscribe(customer, "59")
    subscribe(customer, "39")
    due = timezone.localdate() - datetime.timedelta(days=1)
    make_bill(account, "120.00", month=due.replace(day=1) - datetime.timedelta(days=40), due=due)
    return customer


def _bands():
    import importlib

    from django.apps import apps

    importlib.import_module("billing_sync.migrations.0006_default_dunning_credit_bands").seed(apps, None)


@pytest.mark.parametrize(
    "rating,phase_on_day_6,phase_on_day_11",
    [(None, 1, 2), (30, 2, 2), (85, 1, 1)],
    ids=["unrated", "poor credit: suspended five days early", "good credit: five more days"],
)
def test_the_arrears_policy_moves_the_phases_by_credit_rating(debtor, rating, phase_on_day_6, phase_on_day_11):
    from billing_sync.models import DunningCase
    from billing_sync.services.dunning import dunning_run, rule_for

    _bands()
    Customer.objects.filter(pk=debtor.pk).update(credit_rating=rating)
    debtor.refresh_from_db()
    assert rule_for(debtor).grace_days == {None: 0, 30: -5, 85: 5}[rating]
    start = timezone.now()

    dunning_run(now=start)
    dunning_run(now=start + datetime.timedelta(days=5))
    assert DunningCase.objects.get().phase == phase_on_day_6
    dunning_run(now=start + datetime.timedelta(days=10))
    assert DunningCase.objects.get().phase == phase_on_day_11
