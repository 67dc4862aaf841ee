"""A customer on a phone (375×812) applies for broadband at a standard address found by typing part of it (the htmx
picker lists only their city's addresses; Enter in the search box does not send the form), then moves an installed
broadband line to another address from the value-added services page."""

import datetime

import pytest
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.utils import timezone

from orders.models import ProductOffering, ProductOrder, StandardAddress
from orders.services import product_create
from portal.models import PortalAccount
from tests.browser.test_portal_signup import phone_page  # noqa: F401 - the 375×812 page fixture
from tests.customers.conftest import subscribe  # noqa: F401 - the subscription fixture
from tests.orders.conftest import catalog, network  # noqa: F401 - offerings, Hefei's access points and crews
from tests.portal.conftest import PASSWORD, lines  # noqa: F401 - the customers' mobile lines

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def _pick_address(page, typed: str, address: StandardAddress) -> None:
    page.fill("[data-testid=address-search]", typed)
    page.wait_for_selector(f"#id_address option[value='{address.pk}']", state="attached")
    page.select_option("#id_address", str(address.pk))


def test_customer_applies_for_broadband_and_moves_a_line_on_a_phone(
    phone_page,  # noqa: F811
    lines,  # noqa: F811
    network,  # noqa: F811
    wuhu,
    screenshot,
):
    cache.clear()  # the portal's throttles
    page = phone_page
    zhang = lines["zhang"].customer
    # the account as sign-up leaves it (sign-up itself has its own browser test)
    account = PortalAccount.objects.create(
        customer=zhang, login=lines["zhang"].service_number, password=make_password(PASSWORD)
    )
    from crm.accounts.models import Area

    StandardAddress.objects.create(text="芜湖市镜湖区长江东路8号", region=wuhu, area=Area.objects.get(code="340202"))
    installed = product_create(customer=zhang, offering=ProductOffering.objects.get(code="bb-500"), status="active",
                               service_number="05515550001", install_address=network.address.text)  # fmt: skip

    page.goto(page.base_url + "/portal/login/")
    page.fill("#id_login", account.login)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=subscriptions]")

    # A new broadband line: the offering, then the address found by search, then a preferred time.
    page.goto(page.base_url + "/portal/orders/")
    page.click("[data-testid=order-install]")
    page.wait_for_selector("[data-testid=order-form]")
    page.select_option("#id_offering", "bb-300")
    _pick_address(page, "长江东路", network.address)
    options = page.eval_on_selector_all("#id_address option[value]:not([value=''])", "els => els.map(e => e.value)")
    assert options == [str(network.address.pk)]  # not Wuhu's 长江东路
    # the phone keyboard's search key (Enter) in the search box must not send the half-filled form
    enter_kept = page.eval_on_selector(
        "[data-testid=address-search]",
        "el => { const e = new KeyboardEvent('keydown', {key: 'Enter', bubbles: true, cancelable: true});"
        " el.dispatchEvent(e); return e.defaultPrevented; }",
    )
    assert enter_kept is True
    day = timezone.localdate() + datetime.timedelta(days=2)
    page.fill("#id_appointment_at", f"{day:%Y-%m-%d}T09:30")
    no_sideways_scrolling(page)
    screenshot(page, "portal-install-phone")
    page.click("[data-testid=order-submit]")
    page.wait_for_url("**/portal/orders/")
    order = ProductOrder.objects.get(order_type="new")
    assert order.channel == "portal" and order.address_id == network.address.pk and order.offering.code == "bb-300"
    assert timezone.localtime(order.appointment_at).date() == day
    assert order.work_orders.get().work_type == "install"
    page.wait_for_selector(f"[data-testid=order-{order.order_no}]")

    # Move the installed line to the county address.
    page.goto(page.base_url + "/portal/vas/")
    page.click(f"[data-testid=move-{installed.product_no}]")
    page.wait_for_selector("[data-testid=current-address]")
    _pick_address(page, "水湖镇", network.county_address)
    no_sideways_scrolling(page)
    screenshot(page, "portal-move-phone")
    page.click("[data-testid=order-submit]")
    page.wait_for_url("**/portal/orders/")
    move = ProductOrder.objects.get(order_type="move")
    assert move.product_id == installed.pk and move.address_id == network.county_address.pk
    assert move.work_orders.get().work_type == "move"
