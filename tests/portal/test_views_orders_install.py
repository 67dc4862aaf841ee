"""Portal installations and moves (issue 7): a new FTTH line or a bundle at a standard address picked by search,
a move of an installed subscription, through the counter's intake service (channel "portal"); the address search and
the chosen address are limited to the customer's own region; failed checks (no free port, no coverage) show as form
errors; the same form sent twice gives one order; another customer's subscription reads as not found."""

from __future__ import annotations

import datetime
import re

import pytest
from django.http import Http404
from django.utils import timezone

from orders.models import AccessPoint, Product, ProductOffering, ProductOrder, StandardAddress
from orders.services import product_create
from portal import selectors
from portal.models import PortalAccount
from tests.orders.conftest import catalog, network  # noqa: F401

pytestmark = pytest.mark.django_db

INSTALL = "/portal/orders/install/"
SEARCH = "/portal/orders/addresses/"


def _key(response) -> str:
    """The idempotency key the form was shown with."""
    assert response.status_code == 200, response.content[:500]
    return re.search(rb'name="idempotency_key" value="([^"]+)"', response.content).group(1).decode()


def _order(client, url: str, **data):
    """Open the form, send it; returns (response, key)."""
    key = _key(client.get(url))
    return client.post(url, {"idempotency_key": key, **data}), key


def _errors(response, testid: str = "form-errors") -> str:
    assert response.status_code == 200, response.content[:500]
    match = re.search(rf'data-testid="{testid}">(.*?)</(?:div|ul)>\s*(?:\n|<)'.encode(), response.content, re.S)
    assert match, response.content[:3000]
    return match.group(1).decode()


def _tomorrow_at_ten() -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10, 0)))


def _options(response) -> list[str]:
    return [m.decode() for m in re.findall(rb'<option value="(\d+)"', response.content)]


@pytest.fixture
def wuhu_address(wuhu):
    """A covered address in Wuhu whose text shares a road name with the Hefei one."""
    from crm.accounts.models import Area

    area = Area.objects.get(code="340202")
    point = AccessPoint.objects.create(code="OLT-JH-1", name="镜湖OLT-1", region=wuhu, area=area, total_ports=4)
    return StandardAddress.objects.create(text="芜湖市镜湖区长江东路8号", region=wuhu, area=area, access_point=point)


def _installed(customer, code: str, address: StandardAddress) -> Product:
    """A live installed subscription (a bundle with its components for a bundle offering)."""
    offering = ProductOffering.objects.get(code=code)
    account = customer.accounts.first()
    if not offering.is_bundle:
        return product_create(customer=customer, offering=offering, service_number=f"0551{code[-3:]}0001",
                              status="active", billing_account=account, install_address=address.text)  # fmt: skip
    bundle = product_create(customer=customer, offering=offering, status="active", billing_account=account)
    for n, component in enumerate(offering.bundled_offerings.order_by("code")):
        product_create(customer=customer, offering=component, service_number=f"0551555{n:04d}", status="active",
                       billing_account=account, bundle=bundle, install_address=address.text)  # fmt: skip
    return bundle


# --- New installations ------------------------------------------------------------------------------------------


def test_new_ftth_install_creates_the_order_and_its_work_order(portal_client, lines, network):  # noqa: F811
    client = portal_client("zhang")
    page = client.get(INSTALL)
    for install in (b'value="bb-300"', b'value="fix-basic"', b'value="iptv-basic"', b'value="fuse-129"'):
        assert install in page.content
    for other in (b'value="mob-129"', b'value="vas-cloud"', b'value="dia-gold-100"'):
        assert other not in page.content
    assert b'data-testid="address-search"' in page.content and b'hx-get="/portal/orders/addresses/"' in page.content

    when = _tomorrow_at_ten()
    response, _ = _order(
        client, INSTALL, offering="bb-300", address=network.address.pk, appointment_at=f"{when:%Y-%m-%dT%H:%M}"
    )
    assert response.status_code == 302 and response["Location"] == "/portal/orders/"
    order = ProductOrder.objects.get(order_type="new")
    assert order.channel == "portal" and order.created_by is None and order.customer == lines["zhang"].customer
    assert order.address == network.address and order.appointment_at == when
    assert order.state == ProductOrder.State.IN_PROGRESS
    assert order.region_id == network.address.region_id and order.grid_id == network.grid.pk
    work_order = order.work_orders.get()
    assert work_order.work_type == "install" and work_order.appointment_at == when
    network.olt.refresh_from_db()
    assert network.olt.used_ports == 1  # the port is held for the installation
    broadband = Product.objects.get(pk=order.product_id)
    assert broadband.offering.code == "bb-300" and broadband.status == Product.Status.PENDING_ACTIVE
    assert broadband.install_address == network.address.text
    page = client.get("/portal/orders/")
    assert f'data-testid="order-{order.order_no}"'.encode() in page.content
    assert b"An installer will call you" in page.content


def test_bundle_install_creates_its_lines_at_the_address(portal_client, lines, network):  # noqa: F811
    client = portal_client("zhang")
    response, _ = _order(client, INSTALL, offering="fuse-129", address=network.county_address.pk)
    assert response.status_code == 302
    order = ProductOrder.objects.get(order_type="new")
    bundle = Product.objects.get(pk=order.product_id)
    assert bundle.offering.code == "fuse-129" and order.work_orders.get().work_type == "install"
    components = bundle.components.all()
    assert sorted(c.specification.kind for c in components) == ["broadband", "iptv", "mobile"]
    assert {c.install_address for c in components} == {network.county_address.text}
    network.county_olt.refresh_from_db()
    assert network.county_olt.used_ports == 1


def test_no_free_port_or_no_coverage_is_a_form_error(portal_client, lines, network):  # noqa: F811
    client = portal_client("zhang")
    AccessPoint.objects.filter(pk=network.olt.pk).update(used_ports=network.olt.total_ports)
    response, _ = _order(client, INSTALL, offering="bb-300", address=network.address.pk)
    assert "No free port" in _errors(response)
    response, _ = _order(client, INSTALL, offering="bb-300", address=network.far_address.pk)
    assert "not covered by our network yet" in _errors(response)
    response, _ = _order(client, INSTALL, offering="bb-300")
    assert "choose it from the list" in _errors(response, "error-address")
    # the chosen address stays chosen when the form comes back with an error
    response, _ = _order(client, INSTALL, offering="bb-300", address=network.address.pk)
    assert _options(response) == [str(network.address.pk)]
    assert not ProductOrder.objects.exists()


def test_an_address_of_another_region_is_refused(portal_client, lines, network, wuhu_address):  # noqa: F811
    client = portal_client("zhang")
    response, _ = _order(client, INSTALL, offering="bb-300", address=wuhu_address.pk)
    assert "not in your city" in _errors(response, "error-address")
    assert str(wuhu_address.pk) not in _options(response)
    response, _ = _order(client, INSTALL, offering="bb-300", address=10**15)  # no such address anywhere
    assert "not in your city" in _errors(response, "error-address")
    assert not ProductOrder.objects.exists()
    wuhu_address.access_point.refresh_from_db()
    assert wuhu_address.access_point.used_ports == 0
    account = PortalAccount.objects.get(customer=lines["zhang"].customer)
    assert selectors.portal_address_get(account, network.address.pk) == network.address
    with pytest.raises(Http404):
        selectors.portal_address_get(account, wuhu_address.pk)


def test_an_appointment_in_the_past_is_refused(portal_client, lines, network):  # noqa: F811
    client = portal_client("zhang")
    yesterday = _tomorrow_at_ten() - datetime.timedelta(days=2)
    response, _ = _order(
        client, INSTALL, offering="bb-300", address=network.address.pk, appointment_at=f"{yesterday:%Y-%m-%dT%H:%M}"
    )
    assert "in the future" in _errors(response, "error-appointment_at")
    assert not ProductOrder.objects.exists()


def test_the_same_install_form_sent_twice_gives_one_order(portal_client, lines, network):  # noqa: F811
    client = portal_client("zhang")
    key = _key(client.get(INSTALL))
    data = {"idempotency_key": key, "offering": "bb-300", "address": network.address.pk}
    first, second = client.post(INSTALL, data), client.post(INSTALL, data)
    assert first.status_code == second.status_code == 302
    assert ProductOrder.objects.filter(order_type="new").count() == 1
    assert Product.objects.filter(offering__code="bb-300").count() == 1
    network.olt.refresh_from_db()
    assert network.olt.used_ports == 1


# --- Moves ------------------------------------------------------------------------------------------------------


def test_move_an_installed_broadband_to_another_address(portal_client, lines, people, network):  # noqa: F811
    broadband = _installed(people["zhang"], "bb-300", network.address)
    client = portal_client("zhang")
    page = client.get("/portal/vas/")
    assert f'data-testid="move-{broadband.product_no}"'.encode() in page.content
    assert f'data-testid="move-{lines["zhang"].product_no}"'.encode() not in page.content  # a mobile line
    url = f"/portal/products/{broadband.product_no}/move/"
    page = client.get(url)
    assert network.address.text.encode() in page.content and b'data-testid="address-search"' in page.content

    response, _ = _order(client, url, address=network.county_address.pk)
    assert response.status_code == 302
    move = ProductOrder.objects.get(order_type="move")
    assert move.product == broadband and move.address == network.county_address and move.channel == "portal"
    assert move.work_orders.get().work_type == "move"
    network.county_olt.refresh_from_db()
    assert network.county_olt.used_ports == 1


def test_a_bundled_line_moves_with_its_bundle(portal_client, lines, people, network):  # noqa: F811
    bundle = _installed(people["zhang"], "fuse-129", network.address)
    iptv = bundle.components.get(specification__kind="iptv")
    client = portal_client("zhang")
    response, _ = _order(client, f"/portal/products/{iptv.product_no}/move/", address=network.county_address.pk)
    assert response.status_code == 302
    assert ProductOrder.objects.get(order_type="move").product == bundle


def test_a_mobile_line_and_another_customers_subscription_cannot_move(portal_client, lines, people, network):  # noqa: F811
    theirs = _installed(people["zhangw"], "bb-300", network.address)
    client = portal_client("zhang")
    for product in (theirs, lines["zhang"]):
        url = f"/portal/products/{product.product_no}/move/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"idempotency_key": "k1", "address": network.county_address.pk}).status_code == 404
    assert not ProductOrder.objects.exists()


# --- The address search -----------------------------------------------------------------------------------------


def test_address_search_lists_only_the_customers_region(portal_client, lines, network, wuhu_address):  # noqa: F811
    client = portal_client("zhang")
    response = client.get(SEARCH, {"address_q": "长江东路"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert _options(response) == [str(network.address.pk)]
    assert "芜湖".encode() not in response.content
    assert _options(client.get(SEARCH, {"address_q": "芜湖市"})) == []
    assert _options(client.get(SEARCH, {"address_q": "长"})) == []  # two characters at least
    # a full access point is said so next to the address
    AccessPoint.objects.filter(pk=network.olt.pk).update(used_ports=network.olt.total_ports)
    assert b"no free port now" in client.get(SEARCH, {"address_q": "长江东路"}).content


def test_address_search_of_a_customer_in_another_region(portal_client, lines, network, wuhu_address):  # noqa: F811
    client = portal_client("zhangw")
    assert _options(client.get(SEARCH, {"address_q": "长江东路"})) == [str(wuhu_address.pk)]


def test_address_search_needs_the_portal_log_in(client, network):  # noqa: F811
    response = client.get(SEARCH, {"address_q": "长江东路"})
    assert response.status_code == 302 and response["Location"].startswith("/portal/login/")
