"""Portal bills, usage details (详单) with CSV and payment history: the logged-in customer's own data only (anyone
else's bill number, subscription or number reads as not found), filters, paging and bounded queries."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing_sync.models import BillItem, CustomerBill, Payment, UsageMonthly, UsageRecord
from billing_sync.services.partitions import usage_partitions_ensure

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)
TZ = timezone.get_default_timezone()


def month_first(back: int = 0) -> datetime.date:
    """The first day of this month, or of ``back`` months before."""
    first = timezone.localdate().replace(day=1)
    for _ in range(back):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


def bill(customer, amount: str, *, month: datetime.date, paid: str = "0", items=(("月租", "recurring", None),)):
    account = customer.accounts.get()
    end = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    made = CustomerBill.objects.create(
        bill_no=f"BP{next(_numbers):08d}", account=account, customer=customer, region_id=customer.region_id,
        period_start=month, period_end=end, bill_date=end + datetime.timedelta(days=1),
        due_date=end + datetime.timedelta(days=20), amount_due=Decimal(amount), amount_paid=Decimal(paid),
        state="settled" if paid == amount else ("partiallyPaid" if paid != "0" else "sent"),
    )  # fmt: skip
    for n, (name, rate_type, item_amount) in enumerate(items, start=1):
        BillItem.objects.create(
            bill=made, item_no=n, name=name, rate_type=rate_type, amount=Decimal(item_amount or amount)
        )
    return made


def record(product, when, *, kind="voice", other="13912345678", outgoing=True, seconds=60, kb=0, charge="0.10",
           customer=None):  # fmt: skip
    usage_partitions_ensure([when])
    customer = customer or product.customer
    return UsageRecord.objects.create(
        record_key=f"k{next(_numbers)}", started_at=when, account_id=customer.accounts.get().pk,
        customer_id=customer.pk, product_id=product.pk, service_number=product.service_number, usage_type=kind,
        outgoing=outgoing, other_number=other, duration_s=seconds, volume_kb=kb, charge=Decimal(charge),
    )  # fmt: skip


def monthly(product, month):
    return UsageMonthly.objects.create(
        product=product, customer=product.customer, account=product.customer.accounts.get(), month=month
    )


def payment(customer, amount: str, *, allocations=(), days_ago: int = 1):
    return Payment.objects.create(
        payment_no=f"PY{next(_numbers):08d}", account=customer.accounts.get(), customer=customer,
        amount=Decimal(amount), paid_at=timezone.now() - datetime.timedelta(days=days_ago), channel="counter",
        method="cash", source="crm", allocations=list(allocations),
    )  # fmt: skip


NEWER_ITEMS = (
    ("套餐月租59元", "recurring", "59.00"),
    ("国内通话费", "usage", "10.50"),
    ("新客优惠", "discount", "-5.00"),
)


@pytest.fixture
def billed(lines, people):
    """Two months of bills for 张伟明 (one with a discount item, one settled) and one for 张伟."""
    zhang, zhangw = people["zhang"], people["zhangw"]
    return {
        "older": bill(zhang, "59.00", month=month_first(2), paid="59.00"),
        "newer": bill(zhang, "64.50", month=month_first(1), paid="20.00", items=NEWER_ITEMS),
        "theirs": bill(zhangw, "77.70", month=month_first(1)),
    }


# --- Bills ---------------------------------------------------------------------------------------------------


def test_the_pages_need_a_portal_log_in(client, billed):
    for url in ("/portal/bills/", f"/portal/bills/{billed['older'].bill_no}/", "/portal/usage/",
                "/portal/usage/download/", "/portal/payments/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/portal/login/?next="), url


def test_bills_list_the_customer_s_months_with_amounts_state_and_items_and_nothing_of_anyone_else(
    portal_client, billed
):
    html = portal_client("zhang").get("/portal/bills/").content.decode()

    assert html.index(f"{month_first(1):%Y-%m}") < html.index(f"{month_first(2):%Y-%m}")  # newest month first
    newer = html[html.index(f'data-testid="bill-{billed["newer"].bill_no}"') :]
    assert "64.50" in newer and "20.00" in newer and "44.50" in newer  # due, paid, outstanding
    assert "Partially paid" in newer and f"{billed['newer'].due_date:%Y-%m-%d}" in newer
    assert "国内通话费" in newer and "新客优惠" in newer and "-5.00" in newer  # the items, in the expandable part
    assert f'data-testid="bill-{billed["older"].bill_no}"' in html and "Settled" in html
    assert billed["theirs"].bill_no not in html and "77.70" not in html and "A00000000002" not in html


def test_one_bill_with_its_items_is_printable_and_another_customer_s_bill_number_is_not_found(portal_client, billed):
    client = portal_client("zhang")
    response = client.get(f"/portal/bills/{billed['newer'].bill_no}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "套餐月租59元" in html and "10.50" in html and "44.50" in html and "A00000000001" in html
    assert "data-print" in html and "@media print" not in html  # the print rules live in the stylesheet
    assert 'href="/portal/pay/?account=A00000000001"' in html  # 44.50 still open
    settled = client.get(f"/portal/bills/{billed['older'].bill_no}/").content.decode()
    assert "Settled" in settled and 'data-testid="pay"' not in settled
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]

    assert client.get(f"/portal/bills/{billed['theirs'].bill_no}/").status_code == 404
    assert client.get("/portal/bills/BP99999999/").status_code == 404


def test_bills_are_paged_in_a_fixed_number_of_queries(portal_client, people, lines):
    client = portal_client("zhang")
    for back in range(3):
        bill(people["zhang"], "10.00", month=month_first(back))
    with CaptureQueriesContext(connection) as few:
        assert client.get("/portal/bills/").status_code == 200
    for back in range(3, 20):
        bill(people["zhang"], "10.00", month=month_first(back), items=(("a", "recurring", None), ("b", "usage", "1")))
    with CaptureQueriesContext(connection) as many:
        html = client.get("/portal/bills/").content.decode()
    assert len(few) <= 6 and len(many) <= 6, [q["sql"] for q in many]  # a bound, not one query per row
    assert html.count('class="card bill"') == 12 and 'data-testid="pager"' in html
    html = client.get("/portal/bills/?page=2").content.decode()
    assert html.count('class="card bill"') == 8 and f"{month_first(19):%Y-%m}" in html


# --- Usage details -------------------------------------------------------------------------------------------


@pytest.fixture
def calls(lines, people):
    """This month's and last month's records of 张伟明's line, and 张伟's records."""
    mine, theirs = lines["zhang"], lines["zhangw"]
    first, last_month = month_first(), month_first(1)
    monthly(mine, last_month)
    made = {
        "call": record(mine, at(first, 9), other="13955556666", seconds=125, charge="0.30"),
        "incoming": record(mine, at(first, 10), other="055162881234", outgoing=False, charge="0.00"),
        "sms": record(mine, at(first, 11), kind="sms", other="10086", seconds=0, charge="0.10"),
        "data": record(mine, at(first, 12), kind="data", other="", seconds=0, kb=20480, charge="1.00"),
        "last_month": record(mine, at(last_month + datetime.timedelta(days=3)), other="13700001111"),
        "theirs": record(theirs, at(first, 9), other="18611112222"),
        # the number belonged to 张伟 before: their records on this product are not 张伟明's
        "before": record(mine, at(first, 8), other="18633334444", customer=people["zhangw"]),
    }
    return made


def test_usage_shows_this_month_of_the_first_subscription_newest_first_and_only_the_customer_s_records(
    portal_client, calls, lines
):
    html = portal_client("zhang").get("/portal/usage/").content.decode()

    assert html.count('data-testid="record"') == 4
    assert html.index("12:00:00") < html.index("11:00:00") < html.index("10:00:00") < html.index("09:00:00")
    assert "13955556666" in html and "125 s" in html and "20480 KB" in html and "Outgoing" in html
    assert "Incoming" in html and "055162881234" in html
    for hidden in ("13700001111", "18611112222", "18633334444"):  # last month, 张伟's line, the previous owner's
        assert hidden not in html
    assert lines["zhangw"].service_number not in html
    assert f'<option value="{month_first(1):%Y-%m}"' in html and f'<option value="{month_first():%Y-%m}"' in html
    assert f'<option value="{month_first(2):%Y-%m}"' not in html  # only months with records (and this one)


def test_usage_filters_by_month_type_number_prefix_and_date_range(portal_client, calls, lines):
    client = portal_client("zhang")
    sub = lines["zhang"].product_no

    html = client.get(f"/portal/usage/?subscription={sub}&month={month_first(1):%Y-%m}").content.decode()
    assert html.count('data-testid="record"') == 1 and "13700001111" in html

    html = client.get(f"/portal/usage/?subscription={sub}&type=sms").content.decode()
    assert html.count('data-testid="record"') == 1 and "10086" in html

    html = client.get(f"/portal/usage/?subscription={sub}&number=1395").content.decode()
    assert html.count('data-testid="record"') == 1 and "13955556666" in html
    html = client.get(f"/portal/usage/?subscription={sub}&number=5556").content.decode()  # a prefix, not anywhere
    assert html.count('data-testid="record"') == 0 and "No record for this choice." in html

    start = month_first(1) + datetime.timedelta(days=3)
    html = client.get(f"/portal/usage/?subscription={sub}&start={start}&end={start}").content.decode()
    assert html.count('data-testid="record"') == 1 and "13700001111" in html


def test_usage_refuses_a_range_over_31_days_an_unknown_month_and_a_number_with_letters(portal_client, calls, lines):
    client = portal_client("zhang")
    sub = lines["zhang"].product_no
    start = month_first(2)
    html = client.get(f"/portal/usage/?subscription={sub}&start={start}&end={start + datetime.timedelta(days=31)}")
    assert "at most 31 days" in html.content.decode() and 'data-testid="record"' not in html.content.decode()
    ok = client.get(f"/portal/usage/?subscription={sub}&start={start}&end={start + datetime.timedelta(days=30)}")
    assert 'data-testid="usage-records"' in ok.content.decode()
    for query in (f"month={month_first(5):%Y-%m}", "number=13%25", "end=2026-01-01", "type=fax"):
        html = client.get(f"/portal/usage/?subscription={sub}&{query}").content.decode()
        assert 'data-testid="usage-records"' not in html, query


def test_another_customer_s_subscription_is_not_found_on_the_page_and_in_the_csv(portal_client, calls, lines):
    client = portal_client("zhang")
    for url in ("/portal/usage/", "/portal/usage/download/"):
        assert client.get(f"{url}?subscription={lines['zhangw'].product_no}").status_code == 404
        assert client.get(f"{url}?subscription={lines['zhangw'].service_number}").status_code == 404
        assert client.get(f"{url}?subscription=P99999999").status_code == 404
    # the customer's own terminated line is theirs to look at
    assert client.get(f"/portal/usage/?subscription={lines['old'].product_no}").status_code == 200


def test_usage_is_paged_50_at_a_time_in_a_fixed_number_of_queries(portal_client, lines):
    client = portal_client("zhang")
    mine = lines["zhang"]
    first = month_first()
    for n in range(5):
        record(mine, at(first, 0, n))
    with CaptureQueriesContext(connection) as few:
        assert client.get("/portal/usage/").status_code == 200
    for n in range(5, 120):
        record(mine, at(first + datetime.timedelta(days=n // 60), 1 + n % 20, n % 60), other=f"1390000{n:04d}")
    with CaptureQueriesContext(connection) as many:
        html = client.get("/portal/usage/").content.decode()
    assert len(few) <= 7 and len(many) <= 7, [q["sql"] for q in many]  # a bound, not one query per row
    assert html.count('data-testid="record"') == 50 and "Page 1 of 3" in html and "120 records" in html
    assert 'href="?page=2"' in html
    html = client.get(f"/portal/usage/?subscription={mine.product_no}&type=voice&page=3").content.decode()
    assert html.count('data-testid="record"') == 20
    assert "type=voice&amp;page=2" in html  # the pager keeps the filter


def test_the_usage_query_reads_one_month_s_partition_through_the_product_time_index(sign_up, lines):
    from portal import selectors

    account = sign_up("zhang")
    mine = lines["zhang"]
    for month in range(1, 13):
        record(mine, at(datetime.date(2025, month, 5)))
    records = selectors.portal_usage_records(
        account, mine, since=at(datetime.date(2025, 6, 1), 0), until=at(datetime.date(2025, 7, 1), 0), number="139"
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # tiny test tables: ask what the planner can use
        plan = records.explain()
    assert "product_id_started_at_idx" in plan or "usage_product_time_idx" in plan, plan
    assert "billing_sync_usagerecord_202506" in plan and "billing_sync_usagerecord_202505" not in plan, plan
    assert "billing_sync_usagerecord_202507" not in plan, plan
    assert [r.started_at.month for r in records] == [6]


# --- CSV -----------------------------------------------------------------------------------------------------


def test_the_csv_has_the_same_records_with_a_bom_and_no_formula(portal_client, calls, lines):
    mine = lines["zhang"]
    record(mine, at(month_first(), 13), other="=HYPERLINK(1)")
    record(mine, at(month_first(), 14), other="+8613912345678")
    client = portal_client("zhang")

    response = client.get(f"/portal/usage/download/?subscription={mine.product_no}&type=voice")
    body = b"".join(response.streaming_content)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and mine.service_number in response["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Time", "Type", "Direction", "Other party"]
    others = [row[3] for row in rows[1:]]
    assert others == ["'+8613912345678", "'=HYPERLINK(1)", "055162881234", "13955556666"]  # voice, newest first
    assert rows[-1][4] == "125" and rows[-1][2] == "Outgoing" and rows[-1][7] == "0.30"
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert b"18611112222" not in body and b"18633334444" not in body

    body = b"".join(client.get("/portal/usage/download/?number=100").streaming_content)
    assert list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1][3] == "10086"


def test_the_csv_of_a_wrong_filter_is_refused_with_the_page(portal_client, calls, lines):
    client = portal_client("zhang")
    response = client.get(f"/portal/usage/download/?subscription={lines['zhang'].product_no}&number=abc")
    assert response.status_code == 400 and "Digits only" in response.content.decode()


def test_csv_cells_that_would_be_formulas_get_an_apostrophe():
    from portal.views_bills import safe_cell

    assert [safe_cell(v) for v in ("=1+1", "+86", "-5", "@SUM", "\t=1", "139", "", None, Decimal("0.10"))] == [
        "'=1+1", "'+86", "'-5", "'@SUM", "'\t=1", "139", "", "", "0.10",
    ]  # fmt: skip


# --- Payments ------------------------------------------------------------------------------------------------


def test_payment_history_shows_the_customer_s_payments_newest_first_with_the_bills_they_paid(
    portal_client, billed, people
):
    older = payment(people["zhang"], "59.00", allocations=[{"bill": billed["older"].bill_no, "amount": "59.00"}],
                    days_ago=40)  # fmt: skip
    newer = payment(people["zhang"], "20.00", allocations=[{"bill": billed["newer"].bill_no, "amount": "20.00"}])
    theirs = payment(people["zhangw"], "33.30")

    html = portal_client("zhang").get("/portal/payments/").content.decode()

    assert html.index(newer.payment_no) < html.index(older.payment_no)
    assert f'href="/portal/bills/{billed["older"].bill_no}/"' in html and "Business hall counter" in html
    assert theirs.payment_no not in html and "33.30" not in html


def test_payments_are_paged_in_a_fixed_number_of_queries(portal_client, people, lines):
    client = portal_client("zhang")
    for n in range(3):
        payment(people["zhang"], "10.00", days_ago=n)
    with CaptureQueriesContext(connection) as few:
        client.get("/portal/payments/")
    for n in range(3, 30):
        payment(people["zhang"], "10.00", days_ago=n)
    with CaptureQueriesContext(connection) as many:
        html = client.get("/portal/payments/").content.decode()
    assert len(few) <= 6 and len(many) <= 6  # a bound, not one query per row
    assert html.count('data-testid="payment-') == 20 and "Page 1 of 2" in html


# --- Navigation ----------------------------------------------------------------------------------------------


def test_the_header_links_home_bills_usage_and_payments_marking_the_current_page(portal_client, lines):
    client = portal_client("zhang")
    html = client.get("/portal/usage/").content.decode()
    nav = html[html.index('data-testid="portal-nav"') : html.index("</nav>")]
    for href in ('href="/portal/"', 'href="/portal/bills/"', 'href="/portal/pay/"', 'href="/portal/usage/"',
                 'href="/portal/payments/"'):  # fmt: skip
        assert href in nav
    assert 'href="/portal/usage/" class="active"' in nav

    from django.test import Client

    assert 'data-testid="portal-nav"' not in Client().get("/portal/login/").content.decode()  # logged out: no links
