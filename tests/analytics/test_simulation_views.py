"""The offer-simulation pages: who may use them, the proposal form's validation, running a month as a job and the
result page scoped to the user's region, with its CSV export."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from analytics.models import AnalyticsJob
from analytics.models.simulation import OfferProposal
from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from tests.analytics.population_h5 import AS_OF, add_bills, add_usage, make_customer

pytestmark = pytest.mark.django_db

OCTOBER_END = datetime.date(2026, 10, 31)


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def _form(**overrides):
    data = {
        "name": "Retention 59",
        "recurring_fee": "59",
        "included_minutes": "300",
        "included_data_mb": "10240",
        "included_sms": "100",
        "price_per_minute": "0.15",
        "price_per_mb": "0.003",
        "price_per_sms": "0.1",
        "discount_percent": "10",
        "levels": ["gold"],
        "offerings": "h5-plan, other-plan",
    }
    data.update(overrides)
    return data


def test_without_run_campaigns_the_pages_are_forbidden(english, make_staff):
    english.force_login(make_staff(Role.CALL_AGENT))

    assert english.get(reverse("analytics:simulation")).status_code == 403
    assert english.post(reverse("analytics:simulation_new"), _form()).status_code == 403
    assert not OfferProposal.objects.exists()


def test_an_analyst_creates_a_proposal_with_its_target(english, make_staff, hefei):
    english.force_login(make_staff(Role.MARKETING_ANALYST))

    response = english.post(reverse("analytics:simulation_new"), _form(regions=[hefei.pk]))

    proposal = OfferProposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("analytics:simulation_proposal", args=[proposal.pk])
    assert proposal.recurring_fee == Decimal("59") and proposal.discount_percent == Decimal("10")
    assert proposal.target == {
        "regions": [hefei.pk], "levels": ["gold"], "segments": [], "offerings": ["h5-plan", "other-plan"], "kind": "",
    }  # fmt: skip
    listed = english.get(reverse("analytics:simulation")).context["proposals"]
    assert [p.name for p in listed] == ["Retention 59"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("price_per_minute", "-0.1"), ("recurring_fee", "-1"), ("discount_percent", "120"), ("discount_percent", "-5")],
)
def test_negative_prices_and_discounts_outside_0_100_are_refused(english, make_staff, field, value):
    english.force_login(make_staff(Role.MARKETING_ANALYST))

    response = english.post(reverse("analytics:simulation_new"), _form(**{field: value}))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not OfferProposal.objects.exists()


def test_running_a_month_starts_the_job_and_the_result_is_region_scoped(
    english, make_staff, hefei, wuhu, django_capture_on_commit_callbacks
):
    proposal = OfferProposal.objects.create(
        name="Flat 59", recurring_fee=Decimal("59"), included_minutes=300, included_data_mb=10240
    )
    mine, theirs = {}, {}
    for region, store in ((hefei, mine), (wuhu, theirs)):
        customer, account, line = make_customer(region)
        add_usage(customer, account, line, months=1, voice_min=100, data_mb=100, end=OCTOBER_END)
        add_bills(customer, account, months=1, amount="99.00", end=AS_OF)
        store["customer"] = customer
    english.force_login(make_staff(Role.MARKETING_ANALYST, region=hefei))

    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(
            reverse("analytics:simulation_proposal", args=[proposal.pk]),
            {"month": "2026-10-15", "min_saving_percent": "10", "base_probability": "0.5"},
        )

    job = AnalyticsJob.objects.get(kind="simulation")
    assert response.status_code == 302 and response["Location"] == reverse("analytics:job", args=[job.pk])
    assert job.status == "done", job.error
    assert job.params["month"] == "2026-10-01"
    assert job.result["customers"] == 2 and job.result["revenue_change"] == pytest.approx(-80.0)

    page = english.get(reverse("analytics:simulation_result", args=[job.pk]))
    assert page.status_code == 200
    assert [r.customer_id for r in page.context["gainers"]] == [mine["customer"].pk]  # Wuhu's is not shown
    assert page.context["summary"]["gainers"] == 2  # the totals cover the whole target population

    export = english.get(reverse("analytics:simulation_result", args=[job.pk]), {"export": "csv"})
    lines = export.content.decode("utf-8-sig").splitlines()
    assert export.status_code == 200
    assert len(lines) == 3 and mine["customer"].customer_no in lines[2] and "-40.00" in lines[2]
    assert AuditEntry.objects.filter(object_id=f"simulation:{job.pk}").exists()


def test_a_future_month_cannot_be_run(english, make_staff):
    proposal = OfferProposal.objects.create(name="Flat", recurring_fee=Decimal("10"))
    english.force_login(make_staff(Role.MARKETING_ANALYST))

    response = english.post(
        reverse("analytics:simulation_proposal", args=[proposal.pk]),
        {"month": "2999-01-01", "min_saving_percent": "10", "base_probability": "0.5"},
    )

    assert response.status_code == 200
    assert "month" in response.context["form"].errors
    assert not AnalyticsJob.objects.exists()
