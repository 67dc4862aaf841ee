"""The feature store on PostgreSQL: the loader's leakage guard, replacing a range, and the job end to end."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from analytics.features.loader import load_frames
from analytics.features.store import features_frame, features_replace
from analytics.models import CustomerFeatures
from analytics.models.jobs import JobKind
from billing_sync.models import CustomerBill, UsageMonthly

AS_OF = datetime.date(2026, 9, 30)


@pytest.fixture
def one(customer_history):
    history = customer_history(n=3)
    return history, history.customers[0]


def _aware(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def test_loader_ignores_usage_dated_after_the_cutoff(one):
    # Leakage guard: a month that ends after the cut-off must not reach the features
    history, customer = one
    product = history.products[customer.pk]
    frames = load_frames(AS_OF, customer.pk, customer.pk + 1)
    assert frames.usage["month"].max() == datetime.datetime(2026, 9, 1)
    october = UsageMonthly.objects.get(product=product, month=datetime.date(2026, 10, 1))
    UsageMonthly.objects.filter(pk=october.pk).update(voice_seconds=10**9)
    before = features_frame_for(AS_OF, customer)
    assert not (load_frames(AS_OF, customer.pk, customer.pk + 1).usage["voice_seconds"] >= 10**9).any()
    # Moving the cut-off past October lets it in: the same code would leak if the guard were missing
    after = load_frames(datetime.date(2026, 10, 31), customer.pk, customer.pk + 1)
    assert (after.usage["voice_seconds"] >= 10**9).any()
    assert before["voice_min_1m"] < 10**6


def features_frame_for(as_of, customer):
    features_replace(as_of=as_of, lo=customer.pk, hi=customer.pk + 1)
    return features_frame(as_of, customer.pk, customer.pk + 1).iloc[0]


def test_a_bill_settled_after_the_cutoff_is_unpaid_and_a_ticket_resolved_later_is_open(one):
    history, customer = one
    account = customer.accounts.get()
    CustomerBill.objects.create(
        bill_no="BX1", account=account, customer=customer, region=customer.region,
        period_start=datetime.date(2026, 8, 1), period_end=datetime.date(2026, 8, 31),
        bill_date=datetime.date(2026, 9, 1), due_date=datetime.date(2026, 9, 20), amount_due=Decimal("88.00"),
        amount_paid=Decimal("88.00"), state="settled", settled_at=_aware(datetime.date(2026, 10, 15)),
    )  # fmt: skip
    from callcenter.models import TroubleTicket

    ticket = TroubleTicket.objects.create(
        ticket_no="TX1", ticket_type="complaint", customer=customer, description="x", owner=history.owner,
        region=customer.region, status="resolved", resolved_at=_aware(datetime.date(2026, 10, 2)),
    )  # fmt: skip
    TroubleTicket.objects.filter(pk=ticket.pk).update(created_at=_aware(datetime.date(2026, 9, 10)))
    row = features_frame_for(AS_OF, customer)
    assert row["arrears_now"] == pytest.approx(88)
    assert row["late_bills_6m"] == 1
    assert row["complaints_open"] == 1 and row["complaints_6m"] == 1
    # A month later both are known to be settled
    later = features_frame_for(datetime.date(2026, 10, 31), customer)
    assert later["arrears_now"] == 0 and later["complaints_open"] == 0


def test_replacing_a_range_twice_leaves_one_row_per_customer(customer_history):
    history = customer_history(n=6, churn_dates=[datetime.date(2026, 8, 15)])
    lo, hi = history.customers[0].pk, history.customers[-1].pk + 1
    assert features_replace(as_of=AS_OF, lo=lo, hi=hi) == 5  # the churner held nothing at the cut-off
    assert features_replace(as_of=AS_OF, lo=lo, hi=hi) == 5
    assert CustomerFeatures.objects.filter(as_of=AS_OF).count() == 5
    assert features_replace(as_of=datetime.date(2026, 7, 31), lo=lo, hi=hi) == 6  # still a customer then
    frame = features_frame(AS_OF)
    assert str(frame["customer_class"].dtype) == "category" and str(frame["voice_min_3m"].dtype) == "float32"


def test_features_job_runs_end_to_end(customer_history):
    from analytics.services.jobs import job_run_now

    history = customer_history(n=8)
    job = job_run_now(JobKind.FEATURES, as_of=AS_OF, params={"chunk_size": 3})
    assert job.status == "done", job.error
    assert job.result["customers"] == 8
    assert job.chunks_total >= 3
    assert set(CustomerFeatures.objects.filter(as_of=AS_OF).values_list("customer_id", flat=True)) == {
        c.pk for c in history.customers
    }
    assert CustomerFeatures.objects.filter(as_of=AS_OF, job=job).count() == 8
