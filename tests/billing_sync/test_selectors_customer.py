"""Reads of one customer's billing: bills with items, balances, the usage trend, top called numbers (masked), bounds."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from billing_sync.models import BillItem, UsageMonthly, UsageRecord
from billing_sync.selectors import customer as billing
from billing_sync.services.accounts import account_arrears_refresh
from billing_sync.services.partitions import usage_partitions_ensure
from billing_sync.services.payments import payment_post

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)
TZ = timezone.get_default_timezone()
_keys = itertools.count(1)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TZ)


def usage(product, when, *, other="13912345678", seconds=60, kind="voice", outgoing=True):
    usage_partitions_ensure([when])
    return UsageRecord.objects.create(
        record_key=f"r{next(_keys)}", started_at=when, account_id=product.customer.accounts.get().pk,
        customer_id=product.customer_id, product_id=product.pk, service_number=product.service_number,
        usage_type=kind, outgoing=outgoing, other_number=other, duration_s=seconds,
    )  # fmt: skip


def month_of(product, month, **values):
    return UsageMonthly.objects.create(
        product=product, customer=product.customer, account=product.customer.accounts.get(), month=month, **values
    )


def test_the_trend_sums_all_subscriptions_per_month_and_fills_missing_months(people, subscribe):
    zhang = people["zhang"]
    mobile, second = subscribe(zhang, "59", number="13300000001"), subscribe(zhang, "19", number="13300000002")
    month_of(mobile, datetime.date(2026, 11, 1), voice_calls=10, voice_seconds=1800, sms_count=4,
             data_kb=2048 * 1024, charge=Decimal("59.00"))  # fmt: skip
    month_of(second, datetime.date(2026, 11, 1), voice_calls=5, voice_seconds=330, data_kb=512, charge="19.50")
    month_of(mobile, datetime.date(2026, 6, 1), voice_calls=7, voice_seconds=90)
    month_of(mobile, datetime.date(2025, 11, 1), voice_calls=99)  # 13 months back: outside the window
    other = subscribe(people["zhangw"], "99")
    month_of(other, datetime.date(2026, 11, 1), voice_calls=1000)  # another customer

    trend = billing.usage_trend(zhang, today=TODAY)

    assert trend[0].month == datetime.date(2025, 12, 1) and len(trend) == 12
    assert trend[-1].month == datetime.date(2026, 11, 1)
    november = trend[-1]
    assert (november.calls, november.sms) == (15, 4)
    assert november.minutes == Decimal("35.5")  # (1800 + 330) s
    assert november.data_mb == Decimal("2048.5")  # 2 GB + 512 KB
    assert november.charge == Decimal("78.50")
    assert trend[6].month == datetime.date(2026, 6, 1) and (trend[6].calls, trend[6].minutes) == (7, Decimal("1.5"))
    assert sum(m.calls for m in trend) == 22  # the empty months are zeros, the old and the other customer's left out

    only_second = billing.usage_trend(zhang, product_id=second.pk, today=TODAY)
    assert only_second[-1].calls == 5 and only_second[6].calls == 0
    chart = billing.usage_chart_data(trend)
    assert chart["months"][-1] == "2026-11" and chart["calls"][-1] == 15 and chart["data_mb"][-1] == 2048.5


def test_top_called_numbers_count_outgoing_calls_of_the_last_three_months_masked(people, subscribe):
    zhang = people["zhang"]
    mobile, second = subscribe(zhang, "59"), subscribe(zhang, "19")
    for day in (datetime.date(2026, 9, 3), datetime.date(2026, 10, 9), datetime.date(2026, 11, 20)):
        usage(mobile, at(day), other="13955556666", seconds=120)
    usage(second, at(datetime.date(2026, 11, 2)), other="13955556666", seconds=30)  # all subscriptions count
    usage(mobile, at(datetime.date(2026, 10, 1)), other="055162881234", seconds=600)
    usage(mobile, at(datetime.date(2026, 10, 1), 11), other="055162881234", seconds=300)
    # Not counted: incoming, messages, before September, another customer's calls.
    usage(mobile, at(datetime.date(2026, 10, 2)), other="18600001111", outgoing=False)
    usage(mobile, at(datetime.date(2026, 10, 2)), other="18600001111", kind="sms", seconds=0)
    usage(mobile, at(datetime.date(2026, 8, 31), 23), other="18600001111", seconds=60)
    usage(subscribe(people["zhangw"], "99"), at(datetime.date(2026, 11, 1)), other="18600001111")

    top = billing.top_called_numbers(zhang, today=TODAY)

    assert [(n.number, n.calls, n.minutes) for n in top] == [
        ("139****6666", 4, Decimal("6.5")),
        ("055*****1234", 2, Decimal("15.0")),
    ]
    assert all("5555666" not in n.number for n in top)  # never the full number
    assert [n.calls for n in billing.top_called_numbers(zhang, product_ids=[second.pk], today=TODAY)] == [1]
    assert billing.top_called_numbers(zhang, limit=1, today=TODAY)[0].number == "139****6666"
    assert billing.top_called_numbers(people["corp"], today=TODAY) == []


def test_top_numbers_read_the_product_time_index_of_the_three_months_only(people, subscribe):
    mobile = subscribe(people["zhang"], "59")
    for month in range(1, 12):
        usage(mobile, at(datetime.date(2026, month, 5)))
    since, until = at(datetime.date(2026, 9, 1), 0), at(datetime.date(2026, 12, 1), 0)
    query = billing.top_called_numbers_query([mobile.pk], since=since, until=until)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: ask what the planner can use
        plan = query.explain()
    assert "product_id_started_at_idx" in plan or "usage_product_time_idx" in plan, plan
    scanned = {
        f"billing_sync_usagerecord_2026{m:02d}" for m in range(1, 13) if f"billing_sync_usagerecord_2026{m:02d}" in plan
    }
    assert scanned == {"billing_sync_usagerecord_202609", "billing_sync_usagerecord_202610",
                       "billing_sync_usagerecord_202611"}, plan  # fmt: skip


def test_bills_come_with_their_items_and_summaries_in_a_fixed_number_of_queries(
    people, make_bill, django_assert_num_queries
):
    zhang = people["zhang"]
    account = zhang.accounts.get()
    for month in range(1, 15):
        bill = make_bill(account, "50.00", month=datetime.date(2025 + (month > 12), (month - 1) % 12 + 1, 1))
        BillItem.objects.create(bill=bill, item_no=1, rate_type="recurring", name="月租", amount=Decimal("40.00"))
        BillItem.objects.create(bill=bill, item_no=2, rate_type="usage", name="通信费", amount=Decimal("10.00"))
    account_arrears_refresh(account_ids=[account.pk], today=TODAY)
    payment_post(account=account, amount="120", channel="counter", method="cash")

    with django_assert_num_queries(2):
        bills = billing.customer_bills(zhang)
        assert [len(b.items.all()) for b in bills] == [2] * 12
    assert bills[0].period_start == datetime.date(2026, 2, 1) and bills[-1].period_start == datetime.date(2025, 3, 1)
    account.refresh_from_db()
    with django_assert_num_queries(1):
        (summary,) = billing.account_summaries(zhang, accounts=[account])
    # 14 bills of 50 from 2025-01, 120 paid: January and February settled, March (due 04-20) has 30 left.
    assert (summary.open_bills, summary.outstanding) == (12, Decimal("580.00"))
    assert summary.oldest_due == datetime.date(2025, 4, 20) and summary.arrears == account.arrears_amount
    with django_assert_num_queries(1):
        assert [p.amount for p in billing.customer_payments(zhang)] == [Decimal("120.00")]


def test_the_preview_pays_the_same_bills_the_payment_then_pays(people, make_bill):
    account = people["zhang"].accounts.get()
    old = make_bill(account, "80.00", month=datetime.date(2026, 8, 1))
    new = make_bill(account, "50.00", month=datetime.date(2026, 9, 1), paid="20.00")

    preview = billing.payment_preview(account, Decimal("100.00"))
    assert [(b.bill_no, share) for b, share in preview.allocations] == [
        (old.bill_no, Decimal("80.00")),
        (new.bill_no, Decimal("20.00")),
    ]
    assert (preview.to_balance, preview.still_open) == (Decimal("0.00"), Decimal("10.00"))
    payment, _ = payment_post(account=account, amount="100", channel="counter", method="cash")
    assert payment.allocations == [{"bill": b.bill_no, "amount": str(s)} for b, s in preview.allocations]

    over = billing.payment_preview(account, Decimal("25.00"))
    assert [s for _, s in over.allocations] == [Decimal("10.00")] and over.to_balance == Decimal("15.00")
