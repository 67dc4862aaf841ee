"""A customer on a phone (375×812) finds their bills, opens one, looks up last calls by type and number and downloads
them as CSV, then sees their payments — through the header links, with no sideways scrolling."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from billing_sync.models import BillItem, Payment, UsageRecord
from billing_sync.services.partitions import usage_partitions_ensure
from tests.billing_sync.conftest import make_bill  # noqa: F401 - the bill fixture
from tests.customers.conftest import subscribe  # noqa: F401 - the subscription fixture
from tests.portal.sms import PATH as CAPTURING_GATEWAY
from tests.portal.sms import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "Kite-river-2026"


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, is_mobile=True, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    yield page
    context.close()


def test_customer_reads_bills_usage_and_payments_on_a_phone(
    phone_page,
    people,
    subscribe,  # noqa: F811
    make_bill,  # noqa: F811
    screenshot,
    settings,
):
    from portal import services

    cache.clear()  # the portal's throttles
    settings.CRM_SMS_GATEWAY = CAPTURING_GATEWAY  # keeps what the phone received; the SMS log masks the code
    page = phone_page
    customer = people["zhang"]
    line = subscribe(customer, "59", number="18900000001")
    account = customer.accounts.get()
    first = timezone.localdate().replace(day=1)
    bill = make_bill(account, "64.50", month=(first - datetime.timedelta(days=1)).replace(day=1), paid="20.00")
    BillItem.objects.create(bill=bill, item_no=1, name="套餐月租59元", rate_type="recurring", amount=Decimal("59.00"))
    BillItem.objects.create(bill=bill, item_no=2, name="国内通话费", rate_type="usage", amount=Decimal("5.50"))
    Payment.objects.create(
        payment_no="PY00000001", account=account, customer=customer, amount=Decimal("20.00"),
        paid_at=timezone.now(), channel="counter", method="cash", source="crm",
        allocations=[{"bill": bill.bill_no, "amount": "20.00"}],
    )  # fmt: skip
    when = datetime.datetime.combine(first, datetime.time(9), tzinfo=timezone.get_default_timezone())
    usage_partitions_ensure([when])
    for n, (kind, other) in enumerate([("voice", "13955556666"), ("sms", "10086"), ("voice", "=cmd")]):
        UsageRecord.objects.create(
            record_key=f"b{n}", started_at=when + datetime.timedelta(minutes=n), account_id=account.pk,
            customer_id=customer.pk, product_id=line.pk, service_number=line.service_number, usage_type=kind,
            other_number=other, duration_s=90 if kind == "voice" else 0, charge=Decimal("0.15"),
        )  # fmt: skip
    services.signup_code_send(service_number="18900000001", id_number="11010519491231002X")
    code = last_code("18955512345")
    services.portal_account_signup(service_number="18900000001", code=code, password=PASSWORD)

    page.goto(page.base_url + "/portal/bills/")
    page.fill("#id_login", "18900000001")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector(f"[data-testid=bill-{bill.bill_no}]")
    page.click(f"[data-testid=bill-{bill.bill_no}] summary")  # the items open under the bill
    assert page.is_visible(f"[data-testid=bill-{bill.bill_no}] [data-testid=items]")
    assert "国内通话费" in page.inner_text(f"[data-testid=bill-{bill.bill_no}]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "portal-bills-phone")
    page.click(f"[data-testid=bill-{bill.bill_no}] a[href='/portal/bills/{bill.bill_no}/']")
    page.wait_for_selector("[data-testid=print]")
    assert "44.50" in page.inner_text(f"[data-testid=bill-{bill.bill_no}]")
    screenshot(page, "portal-bill-phone")

    page.click("[data-testid=portal-nav] a[href='/portal/usage/']")
    page.wait_for_selector("[data-testid=usage-records]")
    assert page.locator("[data-testid=record]").count() == 3
    page.select_option("#id_type", "voice")
    page.fill("#id_number", "139")
    page.click("[data-testid=usage-filter] button[type=submit]")
    page.wait_for_url(re.compile(r"number=139"))
    assert page.locator("[data-testid=record]").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "portal-usage-phone")
    with page.expect_download() as download:
        page.click("[data-testid=csv]")
    body = Path(download.value.path()).read_bytes()
    assert body.startswith(b"\xef\xbb\xbf") and b"13955556666" in body and b"10086" not in body

    page.click("[data-testid=portal-nav] a[href='/portal/payments/']")
    page.wait_for_selector("[data-testid=payment-PY00000001]")
    assert bill.bill_no in page.inner_text("[data-testid=payment-PY00000001]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "portal-payments-phone")
