"""Revenue and arrears dashboard (财务分析): revenue by kind/offering/channel, ARPU, arrears buckets at month ends
(payments after the month's end do not count), collection by the due date, expected bad debt, scoping, exports."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from analytics.dashboards.marts import mart_refresh
from analytics.models import ArrearsMonthly, CreditScore, ModelVersion, RevenueMonthly
from billing_sync.models import BillItem, CustomerBill, Payment
from crm.accounts.roles import Role
from customers.models import BillingAccount, Customer, Party
from orders.models import Product, ProductOffering, ProductOrder, ProductOrderItem, ProductSpecification

pytestmark = pytest.mark.django_db
PERIOD = {"period": "custom", "date_from": "2026-10-01", "date_to": "2026-11-30"}


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def books(hefei, wuhu):
    """Hefei: A (gold) owes a July bill of 100 and an October bill of 50; B's October bill of 80 + 20 late fee... B
    pays 30 on 25 Nov (after the due date) and the rest on 2 Dec; D pays its 60 on 15 Nov. Wuhu: C owes 200 since
    April. October items: A 50 mobile plan-a (sold in the hall), B 60 broadband (portal) + 20 late fee, D 60 plan-a."""
    mobile = ProductSpecification.objects.create(code="t-mobile", name="m", kind="mobile")
    broadband = ProductSpecification.objects.create(code="t-bb", name="b", kind="broadband")
    plan = ProductOffering.objects.create(code="plan-a", name="Plan A", specification=mobile)
    bb = ProductOffering.objects.create(code="bb-100", name="BB 100", specification=broadband)
    made = {}
    for key, region, level in (
        ("a", hefei, "gold"),
        ("b", hefei, "silver"),
        ("c", wuhu, "basic"),
        ("d", hefei, "gold"),
    ):
        party = Party.objects.create(kind="individual", name=f"客户{key}", id_number=f"T0000000000000000{key}")
        customer = Customer.objects.create(
            customer_no=f"CF{key}", party=party, region=region, service_level=level, customer_class="public"
        )
        account = BillingAccount.objects.create(account_no=f"AF{key}", customer=customer)
        made[key] = (customer, account)

    def product(key, offering, spec):
        customer, account = made[key]
        return Product.objects.create(
            product_no=f"PF{key}",
            customer=customer,
            billing_account=account,
            offering=offering,
            specification=spec,
            region=customer.region,
        )

    products = {
        "a": product("a", plan, mobile),
        "b": product("b", bb, broadband),
        "d": product("d", plan, None),
    }  # d: kind from the offering
    for key, channel in (("a", "own_hall"), ("b", "portal")):
        order = ProductOrder.objects.create(
            order_no=f"OF{key}", order_type="new", customer=made[key][0], channel=channel, region=made[key][0].region
        )
        ProductOrderItem.objects.create(order=order, item_no=1, action="add", product=products[key])

    def bill(key, month, amount, *, paid="0", settled=None, items=()):
        customer, account = made[key]
        end = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        created = CustomerBill.objects.create(
            bill_no=f"BF{key}{month:%y%m}",
            account=account,
            customer=customer,
            region=customer.region,
            period_start=month,
            period_end=end,
            bill_date=end + datetime.timedelta(days=1),
            due_date=end + datetime.timedelta(days=20),
            amount_due=Decimal(amount),
            amount_paid=Decimal(paid),
            settled_at=_at(settled) if settled else None,
            state="settled" if settled else "sent",
        )
        for no, (product_key, rate, value) in enumerate(items, start=1):
            BillItem.objects.create(
                bill=created,
                item_no=no,
                product=products.get(product_key),
                rate_type=rate,
                name=rate,
                amount=Decimal(value),
            )
        return created

    def pay(key, day, allocations):
        customer, account = made[key]
        total = sum(Decimal(a) for _no, a in allocations)
        Payment.objects.create(
            payment_no=f"PM{key}{day:%m%d}",
            account=account,
            customer=customer,
            amount=total,
            paid_at=_at(day),
            channel="counter",
            method="cash",
            source="crm",
            allocations=[{"bill": no, "amount": a} for no, a in allocations],
        )

    october = datetime.date(2026, 10, 1)
    bill("a", datetime.date(2026, 7, 1), "100")
    bill("a", october, "50", items=[("a", "recurring", "50")])
    b = bill(
        "b",
        october,
        "80",
        paid="80",
        settled=datetime.date(2026, 12, 2),
        items=[("b", "recurring", "60"), (None, "lateFee", "20")],
    )
    pay("b", datetime.date(2026, 11, 25), [(b.bill_no, "30")])
    pay("b", datetime.date(2026, 12, 2), [(b.bill_no, "50")])
    d = bill("d", october, "60", paid="60", settled=datetime.date(2026, 11, 15), items=[("d", "recurring", "60")])
    pay("d", datetime.date(2026, 11, 15), [(d.bill_no, "60")])
    bill("c", datetime.date(2026, 4, 1), "200")
    model = ModelVersion.objects.create(
        kind="credit",
        version=1,
        algorithm="t",
        file="c.joblib",
        status="promoted",
        train_from=datetime.date(2025, 1, 1),
        train_to=datetime.date(2026, 6, 30),
    )
    CreditScore.objects.create(
        as_of=datetime.date(2026, 11, 1),
        customer=made["a"][0],
        model=model,
        score=40,
        grade="D",
        bad_debt_probability=0.2,
    )
    CreditScore.objects.create(
        as_of=datetime.date(2026, 12, 1),
        customer=made["c"][0],
        model=model,
        score=10,
        grade="E",
        bad_debt_probability=0.9,
    )  # scored after November: not used for it
    return made


def _refresh() -> None:
    for name in ("revenue_monthly", "arrears_monthly"):
        mart_refresh(name, since=datetime.date(2026, 10, 1), until=datetime.date(2026, 11, 30))


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _buckets(month, region) -> dict:
    rows = ArrearsMonthly.objects.filter(month=month, region_id=region.pk).exclude(age_bucket="")
    return {r.age_bucket: (r.accounts, r.arrears, r.bad_debt_expected) for r in rows}


def test_arrears_at_month_ends_age_by_the_oldest_unpaid_bill_and_ignore_later_payments(books, hefei, wuhu):
    _refresh()

    november, october = datetime.date(2026, 11, 1), datetime.date(2026, 10, 1)
    # 30 Nov: A owes 100 + 50, oldest due 20 Aug (102 days); B owes 80 - 30 (paid 25 Nov; 50 more only on 2 Dec).
    assert _buckets(november, hefei) == {
        "91-180": (1, Decimal("150.00"), Decimal("30.00")),
        "0-30": (1, Decimal("50.00"), Decimal("0.00")),
    }
    assert _buckets(november, wuhu) == {">180": (1, Decimal("200.00"), Decimal("0.00"))}  # C's score is from Dec
    # 31 Oct: October's bills are not issued yet; A's July bill is 72 days past due, C's April bill 164.
    assert _buckets(october, hefei) == {"61-90": (1, Decimal("100.00"), Decimal("0.00"))}
    assert _buckets(october, wuhu) == {"91-180": (1, Decimal("200.00"), Decimal("0.00"))}
    flows = ArrearsMonthly.objects.get(month=november, region_id=hefei.pk, age_bucket="")
    # Billed 1 Nov: 50 + 80 + 60; by the due date (20 Nov) only D's 60 was paid (B paid on the 25th).
    assert (flows.billed, flows.collected, flows.written_off) == (Decimal("190.00"), Decimal("60.00"), Decimal("0"))


def test_revenue_rows_by_kind_offering_channel_and_the_roll_up_for_arpu(books, hefei):
    _refresh()

    october = RevenueMonthly.objects.filter(month=datetime.date(2026, 10, 1), region_id=hefei.pk)
    detail = {
        (r.product_kind, r.offering_code, r.channel): (r.revenue, r.subscriptions)
        for r in october.exclude(channel="(all)")
    }
    assert detail == {
        ("mobile", "plan-a", "own_hall"): (Decimal("50.00"), 1),
        ("mobile", "plan-a", ""): (Decimal("60.00"), 1),
        ("broadband", "bb-100", "portal"): (Decimal("60.00"), 1),
        ("", "", ""): (Decimal("20.00"), 0),
    }
    rollup = october.filter(channel="(all)")
    assert sum(r.revenue for r in rollup) == Decimal("190.00") and sum(r.customers for r in rollup) == 3


def test_refreshing_twice_gives_the_same_rows(books):
    _refresh()
    first = sorted(
        RevenueMonthly.objects.values_list("month", "region_id", "product_kind", "offering_code", "channel", "revenue")
    )
    arrears = sorted(ArrearsMonthly.objects.values_list("month", "region_id", "age_bucket", "arrears", "billed"))
    _refresh()
    assert (
        sorted(
            RevenueMonthly.objects.values_list(
                "month", "region_id", "product_kind", "offering_code", "channel", "revenue"
            )
        )
        == first
    )
    assert (
        sorted(ArrearsMonthly.objects.values_list("month", "region_id", "age_bucket", "arrears", "billed")) == arrears
    )


def test_the_page_shows_arpu_collection_rate_and_bad_debt(books, make_staff, django_assert_max_num_queries):
    _refresh()
    client = _client(make_staff(Role.MANAGER))

    with django_assert_max_num_queries(40):
        page = client.get("/analytics/dashboards/finance/", PERIOD)

    assert page.status_code == 200
    data = page.context["data"]
    figures = {str(f.label): f.value for f in data.figures}
    assert figures["Revenue"] == "190.00"
    assert figures["ARPU (per customer and month)"] == 63.33  # 190 / 3 customers billed in October
    assert figures["Collection rate (by the due date)"] == 31.6  # 60 / 190
    assert figures["Arrears"] == "400.00" and figures["Expected bad debt (credit model)"] == "30.00"
    tables = {t.key: t for t in data.tables}
    kinds = [(r["key"], r["revenue"]) for r in tables["revenue_kind"].rows]
    assert kinds == [("mobile", 110.0), ("broadband", 60.0), ("", 20.0)]
    plan = next(r for r in tables["offering_profitability"].rows if r["key"] == "plan-a")
    assert (plan["revenue"], plan["subscriptions"], plan["per_subscription"]) == (110.0, 2, 55.0)
    channels = {r["key"]: r["revenue"] for r in tables["revenue_channel"].rows}
    assert channels == {"own_hall": 50.0, "portal": 60.0, "": 80.0}
    ageing = {r["bucket"]: (r["accounts"], r["arrears"]) for r in tables["arrears_ageing"].rows}
    assert ageing["0–30 days"] == (1, 50.0) and ageing["over 180 days"] == (1, 200.0)
    assert b"chart-arrears-ageing-data" in page.content


def test_a_regional_manager_sees_their_region_only_and_exports_it(books, make_staff, hefei, wuhu):
    _refresh()
    client = _client(make_staff(Role.MANAGER, region=wuhu))

    page = client.get("/analytics/dashboards/finance/", {**PERIOD, "region": hefei.pk})
    figures = {str(f.label): f.value for f in page.context["data"].figures}
    assert figures["Arrears"] == "200.00" and figures["Revenue"] == "0.00"

    export = client.get("/analytics/dashboards/finance/", {**PERIOD, "export": "csv", "table": "arrears_ageing"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert ["over 180 days", "1", "200.0", "0.0"] in [r[:4] for r in rows]


def test_an_approved_write_off_leaves_the_arrears_from_its_day_and_counts_in_its_month(books, make_staff, wuhu):
    from billing_sync.models import DunningCase, WriteOff

    customer, account = books["c"]
    CustomerBill.objects.filter(account=account).update(written_off=Decimal("200"))
    case = DunningCase.objects.create(
        account=account,
        customer=customer,
        region=wuhu,
        overdue_since=datetime.date(2026, 5, 21),
        arrears=Decimal("200"),
        arrears_at_open=Decimal("200"),
        opened_at=_at(datetime.date(2026, 5, 22)),
    )
    WriteOff.objects.create(
        case=case,
        amount=Decimal("200"),
        reason="gone",
        state="approved",
        requested_by=make_staff(Role.MANAGER),
        requested_at=_at(datetime.date(2026, 11, 5)),
        decided_by=make_staff(Role.MANAGER, region=wuhu),
        decided_at=_at(datetime.date(2026, 11, 10)),
    )

    _refresh()

    assert _buckets(datetime.date(2026, 10, 1), wuhu) == {"91-180": (1, Decimal("200.00"), Decimal("0.00"))}
    assert _buckets(datetime.date(2026, 11, 1), wuhu) == {}
    flows = ArrearsMonthly.objects.get(month=datetime.date(2026, 11, 1), region_id=wuhu.pk, age_bucket="")
    assert flows.written_off == Decimal("200.00")
