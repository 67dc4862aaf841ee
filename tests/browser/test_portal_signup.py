"""A customer on a phone (375×812) signs up for the portal with the texted code, logs out, logs in again and sees
the home page with their balance and subscriptions, then pays the open bill online through the simulated provider."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache

from billing_sync.models import CustomerBill, Payment
from crm.messaging.models import OutboundMessage
from customers.models import BillingAccount
from tests.billing_sync.conftest import make_bill  # noqa: F401 - the bill fixture
from tests.customers.conftest import subscribe  # noqa: F401 - the subscription fixture
from tests.portal.sms import PATH as CAPTURING_GATEWAY
from tests.portal.sms import last_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "Kite-river-2026"


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.base_url = live_server.url
    yield page
    context.close()


def test_customer_signs_up_on_a_phone_and_sees_balance_and_subscriptions(
    phone_page,
    people,
    subscribe,  # noqa: F811
    make_bill,  # noqa: F811
    screenshot,
    settings,
):
    cache.clear()  # the portal's throttles
    settings.CRM_SMS_GATEWAY = CAPTURING_GATEWAY  # keeps what the phone received; the SMS log masks the code
    page = phone_page
    customer = people["zhang"]
    BillingAccount.objects.filter(customer=customer).update(balance=Decimal("66.80"))
    line = subscribe(customer, "59", number="18900000001")
    bill = make_bill(customer.accounts.get(), "58.00")

    page.goto(page.base_url + "/portal/")
    assert "/portal/login/" in page.url
    page.click("[data-testid=signup-link]")
    page.fill("#id_service_number", "18900000001")
    page.fill("#id_id_number", "440524188001010014")  # not the owner's
    page.click("[data-testid=signup-form] button[type=submit]")
    page.wait_for_selector("[data-testid=form-errors]")
    assert not OutboundMessage.objects.exists()
    screenshot(page, "portal-signup-refused-phone")
    page.fill("#id_id_number", "11010519491231002X")
    page.click("[data-testid=signup-form] button[type=submit]")
    page.wait_for_selector("[data-testid=signup-verify-form]")

    sms = OutboundMessage.objects.get(purpose="portal_signup")  # the SMS log: sent, the code masked
    assert sms.recipient == "18955512345" and sms.status == "sent" and not re.search(r"\d{6}", sms.body)
    code = last_code("18955512345")  # what the phone received
    page.fill("#id_code", code)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("[data-testid=signup-verify-form] button[type=submit]")

    page.wait_for_selector("[data-testid=balances]")
    assert "张伟明" in page.inner_text("[data-testid=portal-who]")
    assert "66.80" in page.inner_text("[data-testid=balances]")
    assert line.service_number in page.inner_text("[data-testid=subscriptions]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on the phone
    screenshot(page, "portal-home-phone")

    page.click("[data-testid=portal-logout]")
    page.wait_for_selector("[data-testid=login-form]")
    page.fill("#id_login", "18900000001")
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=subscriptions]")
    assert line.service_number in page.inner_text("[data-testid=subscriptions]")

    # pay the open bill: Pay on the balance card, the amount it owes, confirm, pay at the simulated provider
    page.click(f"[data-testid=pay-{bill.account.account_no}]")
    page.wait_for_selector("[data-testid=pay-form]")
    assert page.input_value("#id_amount") == "58.00"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "portal-pay-phone")
    page.click("[data-testid=pay-next]")
    page.wait_for_selector("[data-testid=pay-confirm]")
    assert bill.bill_no in page.inner_text("[data-testid=pay-allocations]")
    page.click("[data-testid=pay-confirm-button]")
    page.wait_for_selector("[data-testid=provider-approve]")
    assert not Payment.objects.exists()
    page.click("[data-testid=provider-approve]")
    page.wait_for_selector("[data-testid=pay-paid]")
    assert bill.bill_no in page.inner_text("[data-testid=pay-bills]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "portal-pay-paid-phone")
    bill.refresh_from_db()
    assert bill.state == CustomerBill.State.SETTLED and Payment.objects.count() == 1
    page.reload()  # coming back to the outcome posts nothing more
    page.wait_for_selector("[data-testid=pay-paid]")
    assert Payment.objects.count() == 1
    page.click("[data-testid=pay-home]")
    page.wait_for_selector("[data-testid=balances]")
    assert not page.query_selector(f"[data-testid=pay-{bill.account.account_no}]")  # nothing owed any more

    # the staff side does not know this visitor
    page.goto(page.base_url + "/customers/")
    assert "/accounts/login/" in page.url
