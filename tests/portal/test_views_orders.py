"""Portal orders through the counter's intake service (channel "portal", no staff): a new mobile line, VAS subscribe
and unsubscribe, change of plan, suspend and resume, cancelling an open order; the same form sent twice gives one
order; failed checks show as form errors; another customer's subscription, VAS or order reads as not found."""

from __future__ import annotations

import re

import pytest

from orders.eligibility import OrderRequest
from orders.models import Product, ProductOffering, ProductOrder
from orders.services import intake
from tests.orders.conftest import catalog, network  # noqa: F401

pytestmark = pytest.mark.django_db


def _key(response) -> str:
    """The idempotency key the form was shown with."""
    assert response.status_code == 200, response.content[:500]
    return re.search(rb'name="idempotency_key" value="([^"]+)"', response.content).group(1).decode()


def _order(client, url: str, **data):
    """Open the form, send it; returns (response, key)."""
    key = _key(client.get(url))
    return client.post(url, {"idempotency_key": key, **data}), key


def _product_url(product: Product, action: str) -> str:
    return f"/portal/products/{product.product_no}/{action}/"


def _errors(response) -> str:
    match = re.search(rb'data-testid="form-errors">(.*?)</div>\s*(?:\n|<)', response.content, re.S)
    assert match, response.content[:1500]
    return match.group(1).decode()


def test_vas_subscribe_and_unsubscribe(portal_client, lines, catalog):  # noqa: F811
    client = portal_client("zhang")
    line = lines["zhang"]
    page = client.get("/portal/vas/")
    assert f'data-testid="vas-add-{line.product_no}"'.encode() in page.content
    assert lines["zhangw"].product_no.encode() not in page.content

    response, _key_sent = _order(client, _product_url(line, "vas-add"), offering="vas-cloud")
    assert response.status_code == 302 and response["Location"] == "/portal/orders/"
    order = ProductOrder.objects.get(order_type="vas_add", customer=lines["zhang"].customer)
    assert order.channel == "portal" and order.created_by is None and order.state == "completed"
    vas = order.items.get().product
    assert vas.status == "active" and vas.offering.code == "vas-cloud"
    page = client.get("/portal/vas/")
    assert f'data-testid="vas-{vas.product_no}"'.encode() in page.content

    response, _ = _order(client, _product_url(vas, "vas-remove"))
    assert response.status_code == 302
    vas.refresh_from_db()
    assert vas.status == "terminated"
    assert ProductOrder.objects.get(order_type="vas_remove").channel == "portal"


def test_vas_offerings_come_from_the_portal_catalog(portal_client, lines, catalog):  # noqa: F811
    client = portal_client("zhang")
    page = client.get(_product_url(lines["zhang"], "vas-add"))
    assert b'value="vas-cloud"' in page.content and b'value="mob-89"' not in page.content
    response, _ = _order(client, _product_url(lines["zhang"], "vas-add"), offering="mob-89")
    assert response.status_code == 200 and not ProductOrder.objects.exists()


def test_change_of_plan(portal_client, lines, catalog):  # noqa: F811
    client = portal_client("zhang")
    page = client.get(_product_url(lines["zhang"], "change"))
    assert b'value="mob-89"' in page.content and b'value="vas-cloud"' not in page.content
    assert b'value="dia-gold-100"' not in page.content  # not in the portal catalog
    response, _ = _order(client, _product_url(lines["zhang"], "change"), offering="mob-89")
    assert response.status_code == 302
    lines["zhang"].refresh_from_db()
    assert lines["zhang"].offering.code == "mob-89"
    order = ProductOrder.objects.get(order_type="change")
    assert order.channel == "portal" and order.state == "completed"


def test_suspend_then_resume_and_the_orders_list(portal_client, lines, catalog):  # noqa: F811
    client = portal_client("zhang")
    line = lines["zhang"]
    response, _ = _order(client, _product_url(line, "suspend"))
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.status == "suspended"
    response, _ = _order(client, _product_url(line, "resume"))
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.status == "active"

    page = client.get("/portal/orders/")
    for order in ProductOrder.objects.all():
        assert f'data-testid="order-{order.order_no}"'.encode() in page.content
    assert page.content.count(b'data-testid="order-D') == 2


def test_new_mobile_line_from_the_portal_catalog(portal_client, lines, catalog):  # noqa: F811
    client = portal_client("zhang")
    page = client.get("/portal/orders/new/")
    assert b'value="mob-129"' in page.content
    for needs_install in (b'value="bb-300"', b'value="fuse-129"', b'value="vas-cloud"', b'value="dia-gold-100"'):
        assert needs_install not in page.content
    response, _ = _order(client, "/portal/orders/new/", offering="mob-129")
    assert response.status_code == 302
    order = ProductOrder.objects.get(order_type="new")
    product = Product.objects.get(pk=order.product_id)
    assert order.channel == "portal" and product.customer == lines["zhang"].customer
    assert product.offering.code == "mob-129" and product.status == "active"


def test_the_same_form_sent_twice_gives_one_order(portal_client, lines, catalog):  # noqa: F811
    client = portal_client("zhang")
    url = _product_url(lines["zhang"], "vas-add")
    key = _key(client.get(url))
    first = client.post(url, {"idempotency_key": key, "offering": "vas-cloud"})
    second = client.post(url, {"idempotency_key": key, "offering": "vas-cloud"})
    assert first.status_code == second.status_code == 302
    assert ProductOrder.objects.filter(order_type="vas_add").count() == 1
    assert Product.objects.filter(offering__code="vas-cloud").count() == 1
    # a form shown again has a new key, so it is a new order
    assert _key(client.get(url)) != key


def test_failed_checks_show_as_form_errors(portal_client, lines, catalog):  # noqa: F811
    client = portal_client("zhang")
    response, _ = _order(client, _product_url(lines["zhang"], "resume"))
    assert response.status_code == 200
    assert "cannot take this order" in _errors(response)
    response, _ = _order(client, _product_url(lines["zhang"], "vas-remove"))
    assert "Choose the value-added service to unsubscribe." in _errors(response)
    assert not ProductOrder.objects.exists()


def test_another_customers_subscription_vas_and_order_are_not_found(portal_client, lines, catalog):  # noqa: F811
    theirs = lines["zhangw"]
    their_order = intake.order_submit(
        request=OrderRequest(order_type="vas_add", customer=theirs.customer, product=theirs,
                             offering=ProductOffering.objects.get(code="vas-cloud"), channel="portal"),
        actor=None,
    )  # fmt: skip
    their_vas = their_order.items.get().product
    client = portal_client("zhang")
    for action in ("change", "suspend", "resume", "vas-add"):
        assert client.get(_product_url(theirs, action)).status_code == 404
        assert (
            client.post(_product_url(theirs, action), {"idempotency_key": "k1", "offering": "mob-89"}).status_code
            == 404
        )
    assert client.post(_product_url(their_vas, "vas-remove"), {"idempotency_key": "k2"}).status_code == 404
    assert client.get(_product_url(lines["zhang"], "terminate")).status_code == 404  # not a portal action
    assert client.get(f"/portal/orders/{their_order.order_no}/cancel/").status_code == 404
    assert client.post(f"/portal/orders/{their_order.order_no}/cancel/").status_code == 404
    theirs.refresh_from_db()
    their_vas.refresh_from_db()
    assert theirs.status == "active" and their_vas.status == "active"
    assert ProductOrder.objects.count() == 1
    assert their_order.order_no.encode() not in client.get("/portal/orders/").content
    assert their_vas.product_no.encode() not in client.get("/portal/vas/").content


def test_cancel_an_open_order_after_confirming(portal_client, lines, people, network):  # noqa: F811
    # given a broadband installation taken at the counter, waiting for the field work
    zhang = people["zhang"]
    order = intake.order_submit(
        request=OrderRequest(order_type="new", customer=zhang, offering=ProductOffering.objects.get(code="bb-300"),
                             address=network.address, payment_method="cash"),
        actor=network.clerk,
    )  # fmt: skip
    assert order.is_open
    client = portal_client("zhang")
    assert f'data-testid="cancel-{order.order_no}"'.encode() in client.get("/portal/orders/").content
    # the link asks first
    page = client.get(f"/portal/orders/{order.order_no}/cancel/")
    assert b'data-testid="cancel-confirm"' in page.content
    order.refresh_from_db()
    assert order.is_open
    response = client.post(f"/portal/orders/{order.order_no}/cancel/", {"reason": "moving away"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == "cancelled" and "moving away" in order.cancellation_reason
    assert Product.objects.get(pk=order.product_id).status == "terminated"
    page = client.get("/portal/orders/")
    assert f'data-testid="cancel-{order.order_no}"'.encode() not in page.content
    # a finished order cannot be cancelled: the service says so
    response = client.post(f"/portal/orders/{order.order_no}/cancel/", follow=True)
    assert b"cannot be cancelled" in response.content
