"""Customers with accounts and subscriptions (from the customers tests), and a bill factory."""

import datetime
from decimal import Decimal

import pytest

from tests.api.conftest import api, listener, token_for  # noqa: F401
from tests.customers.conftest import people, subscribe  # noqa: F401


@pytest.fixture
def make_bill(db):
    """make_bill(account, amount, month=date(2026, 9, 1), due=None) -> a sent bill; due 20 days after the month."""
    from billing_sync.models import CustomerBill

    counter = iter(range(1, 100_000))

    def make(account, amount, *, month=datetime.date(2026, 9, 1), due=None, paid="0"):
        end = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        return CustomerBill.objects.create(
            bill_no=f"B{account.pk:06d}{next(counter):05d}", account=account, customer=account.customer,
            region_id=account.customer.region_id, period_start=month, period_end=end,
            bill_date=end + datetime.timedelta(days=1), due_date=due or end + datetime.timedelta(days=20),
            amount_due=Decimal(amount), amount_paid=Decimal(paid),
        )  # fmt: skip

    return make


@pytest.fixture
def dunning_policy(db):
    """The seeded dunning phases and rules (a transactional test elsewhere may have flushed them)."""
    import importlib

    from django.apps import apps

    from billing_sync.models import DunningPhase, DunningRule

    if not DunningPhase.objects.exists() or not DunningRule.objects.exists():
        importlib.import_module("billing_sync.migrations.0002_default_dunning_policy").seed(apps, None)
