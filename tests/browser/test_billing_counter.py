"""Paying arrears at the counter in a real browser: a clerk opens a customer with an overdue bill, takes the payment
through the confirmation step, prints the receipt, and the 360 page shows the arrears cleared and the payment on the
contact timeline."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from billing_sync.models import BillItem, CustomerBill, Payment, UsageMonthly
from billing_sync.services.accounts import account_arrears_refresh
from billing_sync.services.partitions import month_start
from crm.accounts.roles import Role
from tests.billing_sync.conftest import make_bill  # noqa: F401 - the bill factory
from tests.browser.test_staff_roles import log_in
from tests.customers.conftest import subscribe  # noqa: F401 - live subscriptions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_clerk_takes_an_overdue_payment_with_confirmation_and_receipt(
    page,
    people,
    make_staff,
    make_bill,  # noqa: F811
    subscribe,  # noqa: F811
    screenshot,
):
    zhang = people["zhang"]
    account = zhang.accounts.get()
    mobile = subscribe(zhang, "59", number="13300001111")
    august = make_bill(account, "79.50", month=datetime.date(2026, 8, 1))
    BillItem.objects.create(bill=august, item_no=1, rate_type="recurring", name="畅享套餐月租", amount="59.00")
    BillItem.objects.create(bill=august, item_no=2, rate_type="usage", name="国内通话费", amount="20.50")
    account_arrears_refresh(account_ids=[account.pk])
    for back in range(3):  # a little usage for the chart
        month = month_start(timezone.localdate() - datetime.timedelta(days=31 * back))
        UsageMonthly.objects.create(product=mobile, customer=zhang, account=account, month=month,
                                    voice_calls=20 + back, voice_seconds=3000, data_kb=2 * 1024 * 1024)  # fmt: skip
    clerk = make_staff(Role.HALL_CLERK, username="counter1")

    # The clerk opens the customer: the overdue bill, its items, and the chart.
    log_in(page, clerk.username)
    page.goto(page.base_url + f"/customers/{zhang.customer_no}/")
    assert page.inner_text(f"[data-testid=arrears-{account.account_no}]") == "79.50"
    page.click(f"[data-testid=bill-{august.bill_no}] summary")
    assert "畅享套餐月租" in page.inner_text(f"[data-testid=bill-{august.bill_no}]")
    page.wait_for_selector("[data-testid=usage-chart] canvas")
    screenshot(page, "customer-360-billing")
    page.select_option("[data-testid=usage-product]", mobile.product_no)  # one subscription's usage, reloaded by htmx
    page.wait_for_selector(f"[data-testid=usage-product] option[value={mobile.product_no}][selected]", state="attached")
    page.wait_for_selector("[data-testid=usage-chart] canvas")

    # Take payment: the outstanding amount is offered; the confirmation says which bill it pays.
    page.click(f"[data-testid=take-payment-{account.account_no}]")
    assert page.input_value("[data-testid=amount]") == "79.50"
    page.check("[data-testid=method-qr]")
    page.click("[data-testid=review]")
    page.wait_for_selector("[data-testid=confirmation]")
    assert page.inner_text("[data-testid=confirm-amount]") == "79.50"
    assert august.bill_no in page.inner_text("[data-testid=confirm-bills]")
    assert not Payment.objects.exists()
    screenshot(page, "payment-confirmation")
    page.click("[data-testid=confirm]")

    # The receipt, printable.
    page.wait_for_selector("[data-testid=receipt]")
    payment = Payment.objects.get()
    assert page.inner_text("[data-testid=receipt-payment-no]") == payment.payment_no
    assert page.inner_text("[data-testid=receipt-amount]") == "79.50"
    assert page.inner_text("[data-testid=receipt-arrears]") == "0.00"
    assert clerk.username in page.inner_text("[data-testid=receipt-operator]")
    assert august.bill_no in page.inner_text("[data-testid=receipt-bills]")
    page.emulate_media(media="print")
    assert not page.is_visible("[data-testid=print-button]") and not page.is_visible("[data-testid=nav]")
    screenshot(page, "payment-receipt-print")
    page.emulate_media(media="screen")
    assert (payment.amount, payment.method, payment.channel) == (Decimal("79.50"), "qr", "counter")
    assert CustomerBill.objects.get(pk=august.pk).state == CustomerBill.State.SETTLED

    # Back on the 360 page: no arrears, the payment in the list and on the timeline.
    page.click("[data-testid=back-to-customer]")
    page.wait_for_selector("[data-testid=billing-panel]")
    assert page.inner_text(f"[data-testid=arrears-{account.account_no}]") == "0.00"
    assert payment.payment_no in page.inner_text("[data-testid=payments]")
    timeline = page.inner_text("[data-testid=timeline]")
    assert re.search(r"\bpayment\b", timeline) and clerk.username in timeline
    screenshot(page, "customer-360-after-payment")
