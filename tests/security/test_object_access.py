"""Direct-object access: guessing another region's (or another customer's) ids finds nothing.

The project's convention is "not found" (404), never a 403 that would confirm the object exists: the objects a
user may see come from selectors that apply the visibility scope (crm/accounts/selectors.py), so another region's
customer, order, work order, ticket, bill or payment is simply not among them. Each case first checks that the same
URL shows the object to Hefei's staff member of the same role (so the 404 is the scope, not a broken page), then
that Wuhu's staff member gets a 404.

Tests elsewhere that cover single cases of this in depth: tests/customers/test_views_customer_360.py,
tests/customers/test_privacy_controls.py, tests/orders/test_views_counter.py, tests/billing_sync/
test_views_payments.py, tests/callcenter/api/test_trouble_ticket_api.py, tests/billing_sync/api/test_bill_api.py,
tests/billing_sync/api/test_usage_api.py, tests/billing_sync/api/test_payment_api.py; and for the objects of
narrower pages: collection cases and tasks (tests/billing_sync/test_collections.py), care tasks
(tests/feedback/test_surveys.py), fraud alerts (tests/analytics/test_fraud_review.py), saved filters
(tests/audit/test_views_audit_log.py).
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from crm.accounts.roles import Role

from .conftest import portal_client

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}

# (role, URL name, the Hefei object's URL parameters, how the page is used). Wuhu's staff of that role try them.
UI_CASES = [
    (Role.HALL_CLERK, "customers:detail", lambda h: {"customer_no": h.customer.customer_no}, "get"),
    (Role.HALL_CLERK, "orders:new_for", lambda h: {"customer_no": h.customer.customer_no}, "get"),
    (Role.HALL_CLERK, "orders:take", lambda h: {"customer_no": h.customer.customer_no, "order_type": "new"}, "get"),
    (Role.HALL_CLERK, "orders:detail", lambda h: {"order_no": h.order.order_no}, "get"),
    (Role.HALL_CLERK, "orders:print", lambda h: {"order_no": h.order.order_no}, "get"),
    (Role.HALL_CLERK, "orders:cancel", lambda h: {"order_no": h.order.order_no}, "post"),
    (Role.HALL_CLERK, "orders:sign", lambda h: {"order_no": h.order.order_no}, "post"),
    (Role.HALL_CLERK, "customers:reveal", lambda h: {"customer_no": h.customer.customer_no}, "post"),
    (Role.HALL_CLERK, "payments:new", lambda h: {"account_no": h.account.account_no}, "get"),
    (Role.HALL_CLERK, "payments:receipt", lambda h: {"payment_no": h.payment.payment_no}, "get"),
    (Role.HALL_CLERK, "payments:customer_usage", lambda h: {"customer_no": h.customer.customer_no}, "get"),
    (Role.CALL_AGENT, "customers:detail", lambda h: {"customer_no": h.customer.customer_no}, "get"),
    (Role.CALL_AGENT, "callcenter:ticket", lambda h: {"ticket_no": h.ticket.ticket_no}, "get"),
    (Role.CALL_AGENT, "callcenter:call", lambda h: {"call_id": h.call.call_id}, "get"),
    (Role.DISPATCHER, "orders:work_order_detail", lambda h: {"wo_no": h.work_order.wo_no}, "get"),
    (Role.DISPATCHER, "orders:work_order_assign", lambda h: {"wo_no": h.work_order.wo_no}, "get"),
    (Role.DISPATCHER, "orders:work_order_hold", lambda h: {"wo_no": h.work_order.wo_no}, "post"),
    (Role.DISPATCHER, "orders:work_order_auto_assign", lambda h: {"wo_no": h.work_order.wo_no}, "post"),
    (Role.FIELD_TECHNICIAN, "orders:field_detail", lambda h: {"wo_no": h.work_order.wo_no}, "get"),
    (Role.FIELD_TECHNICIAN, "orders:field_start", lambda h: {"wo_no": h.work_order.wo_no}, "post"),
    (Role.ACCOUNT_MANAGER, "customers:detail", lambda h: {"customer_no": h.customer.customer_no}, "get"),
    ("regional_manager", "customers:detail", lambda h: {"customer_no": h.customer.customer_no}, "get"),
    ("regional_manager", "orders:detail", lambda h: {"order_no": h.order.order_no}, "get"),
    ("regional_manager", "orders:work_order_detail", lambda h: {"wo_no": h.work_order.wo_no}, "get"),
]


def _ui_id(case) -> str:
    return f"{case[0]}-{case[1]}"


def _request(client, method: str, path: str):
    return client.post(path, **ENGLISH) if method == "post" else client.get(path, **ENGLISH)


@pytest.mark.parametrize(("role", "name", "kwargs", "method"), UI_CASES, ids=[_ui_id(c) for c in UI_CASES])
def test_another_regions_object_is_not_found_in_the_ui(db, security_world, client, role, name, kwargs, method):
    path = reverse(name, kwargs=kwargs(security_world.hefei))
    if method == "get":  # the same page shows the object to its own region's staff
        client.force_login(security_world.hefei.staff[role])
        own = client.get(path, **ENGLISH)
        assert own.status_code == 200, f"Hefei's {role} on {name}: {own.status_code}"
    client.force_login(security_world.wuhu.staff[role])
    response = _request(client, method, path)
    assert response.status_code == 404, f"Wuhu's {role} guessing Hefei's {name}: {response.status_code}"


# TMF API detail routes with the Hefei objects' ids, read with Wuhu staff sessions (the role's API scopes).
API_CASES = [
    (Role.HALL_CLERK, "tmf629-customer-detail", lambda h: h.customer.pk),
    (Role.HALL_CLERK, "tmf666-account-detail", lambda h: h.account.pk),
    (Role.HALL_CLERK, "tmf632-individual-detail", lambda h: h.customer.party_id),
    (Role.HALL_CLERK, "tmf637-product-detail", lambda h: h.line.pk),
    (Role.HALL_CLERK, "tmf622-order-detail", lambda h: h.order.pk),
    (Role.CALL_AGENT, "tmf621-ticket-detail", lambda h: h.ticket.pk),
    (Role.CALL_AGENT, "tmf683-interaction-detail", lambda h: h.customer.interactions.order_by("id").first().pk),
    ("regional_manager", "tmf678-bill-detail", lambda h: h.bill.bill_no),
    ("regional_manager", "tmf676-payment-detail", lambda h: h.payment.payment_no),
    ("regional_manager", "tmf621-ticket-detail", lambda h: h.ticket.pk),
]


@pytest.mark.parametrize(("role", "name", "pk"), API_CASES, ids=[_ui_id(c) for c in API_CASES])
def test_another_regions_object_is_not_found_in_the_api(db, security_world, role, name, pk):
    path = reverse(name, kwargs={"pk": pk(security_world.hefei)})
    client = APIClient()
    client.force_login(security_world.hefei.staff[role])
    assert client.get(path).status_code == 200, f"Hefei's {role} on {name}"
    client.force_login(security_world.wuhu.staff[role])
    response = client.get(path)
    assert response.status_code == 404, f"Wuhu's {role} guessing Hefei's {name}: {response.status_code}"
    assert response.json()["code"] and response.json()["reason"] == "Not Found"


def test_another_regions_objects_are_not_listed_in_the_api(db, security_world):
    client = APIClient()
    client.force_login(security_world.wuhu.staff[Role.HALL_CLERK])
    customers = client.get(reverse("tmf629-customer-list")).json()
    assert {c["id"] for c in customers} == {str(security_world.wuhu.customer.pk)}
    orders = client.get(reverse("tmf622-order-list")).json()
    assert {o["id"] for o in orders} == {str(security_world.wuhu.order.pk)}


# The portal: Wuhu's customer guessing the Hefei customer's bill, ticket, order and product numbers.
PORTAL_CASES = [
    ("portal:bill", lambda h: {"bill_no": h.bill.bill_no}, True),
    ("portal:bill_pdf", lambda h: {"bill_no": h.bill.bill_no}, True),
    ("portal:ticket", lambda h: {"ticket_no": h.ticket.ticket_no}, True),
    ("portal:order_cancel", lambda h: {"order_no": h.order.order_no}, False),
    ("portal:product_order", lambda h: {"product_no": h.line.product_no, "action": "suspend"}, False),
]


@pytest.mark.parametrize(("name", "kwargs", "owner_sees_it"), PORTAL_CASES, ids=[c[0] for c in PORTAL_CASES])
def test_portal_customer_reaches_only_their_own_objects(db, security_world, name, kwargs, owner_sees_it):
    path = reverse(name, kwargs=kwargs(security_world.hefei))
    own = portal_client(security_world.hefei.portal_account).get(path, **ENGLISH)
    if owner_sees_it:
        assert own.status_code == 200, f"the owner on {name}: {own.status_code}"
    else:  # an order or line the portal may not act on reads as not found to its owner too; never a server error
        assert own.status_code < 500
    response = portal_client(security_world.wuhu.portal_account).get(path, **ENGLISH)
    assert response.status_code == 404, f"another customer guessing {name}: {response.status_code}"
    assert security_world.hefei.customer.party.name not in response.content.decode()


def test_portal_lists_only_the_customers_own_objects(db, security_world):
    client = portal_client(security_world.wuhu.portal_account)
    hefei = security_world.hefei
    for name, secret in (
        ("portal:bills", hefei.bill.bill_no),
        ("portal:tickets", hefei.ticket.ticket_no),
        ("portal:orders", hefei.order.order_no),
        ("portal:payments", hefei.payment.payment_no),
    ):
        response = client.get(reverse(name), **ENGLISH)
        assert response.status_code == 200, name
        assert secret not in response.content.decode(), f"{name} shows another customer's {secret}"


def test_a_staff_session_cannot_subscribe_to_every_regions_events(db, security_world):
    """A hub pushes every event of its API, whatever the region: a regional clerk's session (customer:read) could
    have received Wuhu's customers through a callback of its own. Hubs are for API clients (tokens) only."""
    from crm.api.models import HubSubscription

    client = APIClient()
    client.force_login(security_world.hefei.staff[Role.HALL_CLERK])
    hub = reverse("tmf-hub", kwargs={"api_name": "customerManagement"})
    response = client.post(hub, {"callback": "http://127.0.0.1:9/mine"}, format="json")
    assert response.status_code == 403 and response.json()["reason"] == "Forbidden"
    assert not HubSubscription.objects.exists()
