"""Fixtures shared by the analytics tests (keep them generic: other topics' tests may use them)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

HISTORY_END = datetime.date(2026, 11, 30)


def _month(day: datetime.date, back: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@dataclass
class History:
    """What ``customer_history`` built: customers (in id order), who churned on which day, and the staff user."""

    customers: list = field(default_factory=list)
    churned_on: dict = field(default_factory=dict)  # customer id -> date
    products: dict = field(default_factory=dict)  # customer id -> product
    owner: object = None


@pytest.fixture
def customer_history(db, hefei, wuhu, make_staff):
    """customer_history(n=..., churn_dates=[...], seed=0) -> History: public customers in Hefei and Wuhu, each with a
    mobile line since 2023 and monthly usage up to HISTORY_END (18 months). Churners (one per churn date, the first
    customers) see their usage fall over the six months before the date, most complain (one complaint left open),
    then their line ends on that date and they are ``churned``. About one stayer in ten has a dip of its own (noise).
    """
    from billing_sync.models import UsageMonthly
    from callcenter.models import TroubleTicket
    from customers.models import BillingAccount, Customer, Party
    from orders.models import Product, ProductOffering, ProductSpecification

    def build(n: int = 120, churn_dates: list[datetime.date] | tuple = (), seed: int = 0) -> History:
        rng = random.Random(seed)
        owner = make_staff("call_agent")
        spec, _ = ProductSpecification.objects.get_or_create(code="a-mobile", defaults={"name": "m", "kind": "mobile"})
        plan = {"name": "p", "specification": spec}
        offering, _ = ProductOffering.objects.get_or_create(code="a-plan", defaults=plan)
        base = Customer.objects.count()
        parties = Party.objects.bulk_create(
            Party(kind="individual", name=f"客户{base + i}", id_number=f"T{base + i:017d}") for i in range(n)
        )
        customers = Customer.objects.bulk_create(
            Customer(customer_no=f"CA{base + i:010d}", party=party, customer_class="public",
                     region=hefei if i % 2 == 0 else wuhu, service_level=rng.choice(["gold", "silver", "basic"]),
                     since=datetime.date(2023, 1, 1) + datetime.timedelta(days=rng.randrange(600)))
            for i, party in enumerate(parties)
        )  # fmt: skip
        accounts = BillingAccount.objects.bulk_create(
            BillingAccount(account_no=f"AA{c.pk:010d}", customer=c) for c in customers
        )
        churned_on = {customers[i].pk: day for i, day in enumerate(churn_dates)}
        products = Product.objects.bulk_create(
            Product(product_no=f"PA{c.pk:010d}", customer=c, billing_account=a, offering=offering,
                    specification=spec, service_number=f"199{c.pk:08d}", region=c.region, start_date=c.since,
                    status="terminated" if c.pk in churned_on else "active", termination_date=churned_on.get(c.pk))
            for c, a in zip(customers, accounts, strict=True)
        )  # fmt: skip
        Customer.objects.filter(pk__in=list(churned_on)).update(status="churned")
        months, tickets = [], []
        for c, a, p in zip(customers, accounts, products, strict=True):
            voice, data = rng.uniform(100, 600), rng.uniform(500, 5000)
            left = churned_on.get(c.pk)
            dip = left is None and rng.random() < 0.1
            dip_at = _month(HISTORY_END, rng.randrange(1, 12)) if dip else None
            silent = left is not None and rng.random() < 0.1  # a churner without warning signs
            for back in range(18):
                month = _month(HISTORY_END, back)
                if left is not None and month > left:
                    continue
                factor = 1.0
                if left is not None and not silent:
                    months_before = (left.year - month.year) * 12 + left.month - month.month
                    factor = {0: 0.2, 1: 0.3, 2: 0.4, 3: 0.5, 4: 0.6, 5: 0.75}.get(months_before, 1.0)
                if dip_at is not None and month >= dip_at:
                    factor = 0.5
                noise = rng.uniform(0.85, 1.15)
                months.append(
                    UsageMonthly(product=p, customer=c, account=a, month=month, voice_calls=int(voice * factor / 3),
                                 voice_seconds=int(voice * 60 * factor * noise), sms_count=int(20 * factor),
                                 data_kb=int(data * 1024 * factor * noise))
                )  # fmt: skip
            if left is not None and not silent and rng.random() < 0.7:
                opened = left - datetime.timedelta(days=100)
                tickets.append((c, p, opened))
        UsageMonthly.objects.bulk_create(months, batch_size=2000)
        for i, (c, p, opened) in enumerate(tickets):
            ticket = TroubleTicket.objects.create(
                ticket_no=f"TA{c.pk:08d}{i:03d}", ticket_type="complaint", customer=c, product=p,
                description="信号差", owner=owner, region=c.region, status="inProgress",
            )  # fmt: skip
            TroubleTicket.objects.filter(pk=ticket.pk).update(created_at=_aware(opened))
        by_customer = {c.pk: p for c, p in zip(customers, products, strict=True)}
        return History(customers=customers, churned_on=churned_on, products=by_customer, owner=owner)

    return build
