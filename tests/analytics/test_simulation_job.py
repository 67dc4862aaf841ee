"""The offer-simulation job on PostgreSQL: five customers' October usage and bills re-rated under a proposal, only the
target population, a chunk run twice writes the same rows, and finish totals the run."""

import datetime
from decimal import Decimal

import pytest

from analytics.models import AnalyticsJob
from analytics.models.jobs import JobKind
from analytics.models.simulation import OfferProposal, SimulationResult
from analytics.services.jobs import job_run_now
from analytics.simulation import jobs as simulation_jobs
from customers.models import Customer
from tests.analytics.population_h5 import AS_OF, add_bills, add_usage, make_customer

pytestmark = pytest.mark.django_db

OCTOBER_END = datetime.date(2026, 10, 31)


@pytest.fixture
def proposal():
    return OfferProposal.objects.create(
        name="59元畅享",
        recurring_fee=Decimal("59"),
        included_minutes=300,
        included_data_mb=10 * 1024,
        included_sms=100,
        price_per_minute=Decimal("0.15"),
        price_per_mb=Decimal("0.003"),
        price_per_sms=Decimal("0.1"),
        discount_percent=Decimal("10"),
        target={"levels": ["gold", "silver"]},
    )


@pytest.fixture
def five(hefei, wuhu):
    """Four gold/silver customers in the target (one with November usage only) and a basic one outside it."""
    made = {}
    specs = [
        # name, region, level, minutes, data MB, SMS, billed in October
        ("heavy", hefei, "gold", 420, 12 * 1024, 50, "89.00"),
        ("light", wuhu, "silver", 120, 2048, 10, "39.00"),
        ("even", hefei, "gold", 300, 10 * 1024, 100, "53.10"),
        ("outside", wuhu, "basic", 420, 12 * 1024, 50, "89.00"),
    ]
    for name, region, level, minutes, data_mb, sms, billed in specs:
        customer, account, line = make_customer(region, level=level)
        add_usage(customer, account, line, months=1, voice_min=minutes, data_mb=data_mb, sms=sms, end=OCTOBER_END)
        add_bills(customer, account, months=1, amount=billed, end=AS_OF)  # the October bill
        customer.segment = "loyal" if name != "light" else "new"
        customer.save(update_fields=["segment"])
        made[name] = customer
    # A target customer with no October bill: nothing to compare with, so not in the results.
    customer, account, line = make_customer(hefei, level="gold")
    add_usage(customer, account, line, months=1, voice_min=999, end=AS_OF)
    made["unbilled"] = customer
    return made


def _job(proposal, takeup=None):
    return AnalyticsJob.objects.create(
        kind=JobKind.SIMULATION,
        run_key=f"simulation:{proposal.pk}:2026-10-01",
        as_of=OCTOBER_END,
        params={"proposal_id": proposal.pk, "month": "2026-10-01", "takeup": takeup or {}},
    )


def test_the_job_rerates_the_target_population_and_totals_it(proposal, five):
    job = _job(proposal, {"min_saving_percent": 10, "base_probability": 0.5, "segment_probability": {"loyal": 1}})
    ids = sorted(Customer.objects.values_list("pk", flat=True))
    middle = five["light"].pk + 1

    rows = simulation_jobs.run_chunk(job, ids[0], middle) + simulation_jobs.run_chunk(job, middle, ids[-1] + 1)
    again = simulation_jobs.run_chunk(job, ids[0], middle)  # a retried chunk replaces its rows
    summary = simulation_jobs.finish(job)

    results = {r.customer_id: r for r in SimulationResult.objects.filter(job=job)}
    assert rows == 3 and again == 2
    assert set(results) == {five["heavy"].pk, five["light"].pk, five["even"].pk}
    heavy = results[five["heavy"].pk]
    # 420 min → 120 × 0.15 = 18; 12 GB → 2048 MB × 0.003 = 6.144; (59 + 18 + 6.144) × 0.9 = 74.8296 → 74.83.
    assert heavy.simulated_charge == Decimal("74.83")
    assert heavy.current_charge == Decimal("89.00")
    assert heavy.difference == Decimal("-14.17")
    assert heavy.gains is True and heavy.segment == "loyal" and heavy.region_id == five["heavy"].region_id
    light = results[five["light"].pk]
    assert (light.simulated_charge, light.difference, light.gains) == (Decimal("53.10"), Decimal("14.10"), False)
    assert results[five["even"].pk].difference == Decimal("0.00")
    assert summary["customers"] == 3
    assert summary["revenue_change"] == pytest.approx(-0.07)  # −14.17 + 14.10 + 0
    assert (summary["gainers"], summary["losers"]) == (1, 1)
    # heavy saves 15.9 % > 10 % and is loyal (probability 1); nobody else is likely.
    assert summary["expected_takeup"] == pytest.approx(1.0)
    assert summary["revenue_change_if_taken"] == pytest.approx(-14.17)
    assert summary["segments"]["loyal"]["customers"] == 2
    assert summary["segments"]["new"]["would_gain"] == 0


def test_the_runner_runs_the_simulation_to_the_end(proposal, five):
    job = job_run_now(
        JobKind.SIMULATION,
        as_of=OCTOBER_END,
        params={"proposal_id": proposal.pk, "month": "2026-10-01", "variant": f"p{proposal.pk}"},
    )

    assert job.status == "done", job.error
    assert job.result["customers"] == 3
    assert SimulationResult.objects.filter(job=job).count() == 3


def test_a_region_and_offering_filter_narrows_the_population(proposal, five, hefei):
    proposal.target = {"regions": [hefei.pk], "offerings": ["h5-plan"], "kind": "mobile"}
    proposal.save()
    job = _job(proposal)

    simulation_jobs.run_chunk(job, 0, 10**9)

    customers = set(SimulationResult.objects.filter(job=job).values_list("customer_id", flat=True))
    assert customers == {five["heavy"].pk, five["even"].pk}
