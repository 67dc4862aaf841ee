"""TMF622 productOrder and cancelProductOrder: intake through the API, idempotent retries, refusals, scope,
paging and filters, patching notes and the appointment, cancelling with the port given back and an event."""

import pytest
from rest_framework.test import APIClient

from crm.api.models import Event
from orders.models import PortReservation, Product, ProductOffering, ProductOrder, WorkOrder

pytestmark = pytest.mark.django_db
ORDER = "/tmf-api/productOrderingManagement/v4/productOrder"
CANCEL = "/tmf-api/productOrderingManagement/v4/cancelProductOrder"
HUB = "/tmf-api/productOrderingManagement/v4/hub"


@pytest.fixture
def client_with(token_for):
    def make(*scopes: str, client: str = "97-system") -> APIClient:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(*scopes, client=client)}")
        return api

    return make


@pytest.fixture
def orders_api(client_with) -> APIClient:
    client = client_with("order:read", "order:write")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # reasons are checked in English; Chinese is the default
    return client


def offering(code: str) -> str:
    return str(ProductOffering.objects.get(code=code).pk)


def broadband_body(customer, address, **extra) -> dict:
    return {
        "category": "new",
        "relatedParty": [{"id": str(customer.pk), "role": "customer", "@referredType": "Customer"}],
        "productOrderItem": [{
            "id": "1", "action": "add", "productOffering": {"id": offering("bb-500")},
            "product": {"place": [{"id": str(address.pk), "role": "installationAddress"}]},
        }],
        **extra,
    }  # fmt: skip


def post(api, body, **headers):
    return api.post(ORDER, body, format="json", **headers)


def test_a_broadband_order_is_taken_decomposed_and_its_port_reserved(orders_api, people, network):
    # Given an API client orders 500M broadband for a Hefei customer at a covered address
    body = broadband_body(
        people["zhang"], network.address, requestedStartDate="2026-12-01T09:00:00+08:00",
        note=[{"text": "请提前电话联系"}],
    )  # fmt: skip
    response = post(orders_api, body)

    # Then the order is in progress, with its item, product and address in the TMF shape
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["@type"] == "ProductOrder" and created["href"].endswith(f"{ORDER}/{created['id']}")
    assert created["category"] == "new" and created["state"] == "inProgress"
    assert created["channel"][0]["id"] == "api" and created["note"] == [{"text": "请提前电话联系"}]
    assert created["requestedStartDate"].startswith("2026-12-01T01:00:00")
    item = created["productOrderItem"][0]
    assert item["action"] == "add" and item["productOffering"]["id"] == offering("bb-500")
    assert item["product"]["productSerialNumber"].startswith("ad0551")
    assert item["product"]["place"][0]["id"] == str(network.address.pk)
    # and the back office has its work order, the port is reserved, the line waits for activation
    order = ProductOrder.objects.get(pk=created["id"])
    assert order.channel == "api" and order.created_by.api_client.name == "97-system"
    assert WorkOrder.objects.get(order=order).work_type == "install"
    assert PortReservation.objects.filter(order=order).exclude(state="released").count() == 1
    network.olt.refresh_from_db()
    assert network.olt.used_ports == 1
    assert order.product.status == "pendingActive"
    assert orders_api.get(f"{ORDER}/{order.pk}").json()["externalId"] == order.order_no


def test_a_retry_with_the_same_idempotency_key_makes_no_second_order(orders_api, client_with, people, network):
    body = broadband_body(people["zhang"], network.address)
    first = post(orders_api, body, HTTP_IDEMPOTENCY_KEY="req-7f3a")
    again = post(orders_api, body, HTTP_IDEMPOTENCY_KEY="req-7f3a")
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert ProductOrder.objects.count() == 1 and WorkOrder.objects.count() == 1
    network.olt.refresh_from_db()
    assert network.olt.used_ports == 1
    # Another client's key is its own: the same key from it is another order
    other = post(client_with("order:write", "order:read", client="billing"), body, HTTP_IDEMPOTENCY_KEY="req-7f3a")
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert post(orders_api, body, HTTP_IDEMPOTENCY_KEY="x" * 65).status_code == 400


def test_two_identical_posts_without_a_key_are_two_orders(orders_api, people, network):
    body = broadband_body(people["zhang"], network.address)
    assert post(orders_api, body).status_code == post(orders_api, body).status_code == 201
    assert ProductOrder.objects.count() == 2
    network.olt.refresh_from_db()
    assert network.olt.used_ports == 2


def test_bad_input_is_400_naming_the_attribute(orders_api, people, network):
    body = broadband_body(people["zhang"], network.address)
    body["productOrderItem"][0]["productOffering"] = {"id": "999999"}
    unknown = post(orders_api, body)
    assert unknown.status_code == 400 and unknown.json()["@type"] == "Error"
    assert "productOrderItem.productOffering: productOffering 999999 not found" in unknown.json()["message"]
    no_place = broadband_body(people["zhang"], network.address)
    no_place["productOrderItem"][0]["product"]["place"] = [{"id": "999999"}]
    assert "place 999999 not found" in post(orders_api, no_place).json()["message"]
    bad_category = post(orders_api, {**broadband_body(people["zhang"], network.address), "category": "upgrade"})
    assert bad_category.status_code == 400 and "category" in bad_category.json()["message"]
    no_customer = post(orders_api, {**broadband_body(people["zhang"], network.address), "relatedParty": []})
    assert no_customer.status_code == 400 and "relatedParty" in no_customer.json()["message"]
    wrong_action = broadband_body(people["zhang"], network.address)
    wrong_action["productOrderItem"][0]["action"] = "delete"
    assert post(orders_api, wrong_action).status_code == 400
    others_account = {**body, "billingAccount": {"id": str(people["corp"].accounts.get().pk)}}
    others_account["productOrderItem"][0]["productOffering"] = {"id": offering("bb-500")}
    assert "billingAccount" in post(orders_api, others_account).json()["message"]
    assert post(orders_api, {**body, "channel": [{"id": "fax"}]}).status_code == 400
    assert not ProductOrder.objects.exists()


def test_an_ineligible_order_is_422_with_every_reason(orders_api, people, network):
    # Given an address our network does not reach yet, and a customer whose open arrears block new services
    account = people["zhang"].accounts.get()
    account.arrears_amount = 300
    account.save()
    response = post(orders_api, broadband_body(people["zhang"], network.far_address), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "ineligible" and body["@type"] == "Error"
    assert "not covered by our network" in body["message"] and "300" in body["message"]
    # In Chinese (the default language) the reasons read the same.
    zh = post(orders_api, broadband_body(people["zhang"], network.far_address), HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese = zh.json()["message"]
    assert "暂无网络资源覆盖" in chinese and "300" in chinese
    assert not ProductOrder.objects.exists() and not PortReservation.objects.exists()


def test_terminating_needs_the_owners_id_number(orders_api, people, subscribe, catalog):
    line = subscribe(people["zhang"], 59)
    body = {
        "category": "terminate",
        "relatedParty": [{"id": str(people["zhang"].pk), "role": "customer"}],
        "productOrderItem": [{"action": "delete", "product": {
            "id": str(line.pk), "productCharacteristic": [{"name": "ownerIdNumber", "value": "110105194912310000"}],
        }}],
    }  # fmt: skip
    refused = post(orders_api, body)
    assert refused.status_code == 422 and "not the owner" in refused.json()["message"]
    body["productOrderItem"][0]["product"]["productCharacteristic"][0]["value"] = "11010519491231002x"
    done = post(orders_api, body)
    assert done.status_code == 201, done.content
    assert done.json()["state"] == "completed" and "11010519491231002" not in done.content.decode()
    assert Product.objects.get(pk=line.pk).status == "terminated"


def test_a_regional_user_cannot_order_for_another_regions_customer(people, network, make_staff):
    clerk = APIClient()
    clerk.force_login(make_staff("hall_clerk"))  # Hefei
    wuhu = post(clerk, broadband_body(people["zhangw"], network.address))
    assert wuhu.status_code == 400 and f"customer {people['zhangw'].pk} not found" in wuhu.json()["message"]
    hefei = post(clerk, broadband_body(people["zhang"], network.address))
    assert hefei.status_code == 201
    assert [o["id"] for o in clerk.get(ORDER).json()] == [hefei.json()["id"]]


def test_scopes(client_with, people, network):
    reader = client_with("order:read")
    denied = post(reader, broadband_body(people["zhang"], network.address))
    assert denied.status_code == 403 and "order:write" in denied.json()["message"]
    assert reader.get(ORDER).status_code == 200
    assert (
        reader.post(CANCEL, {"productOrder": {"id": "1"}, "cancellationReason": "x"}, format="json").status_code == 403
    )
    assert client_with("customer:read", client="crm").get(ORDER).status_code == 403
    assert APIClient().get(ORDER).status_code == 401
    assert not ProductOrder.objects.exists()


@pytest.fixture
def three_orders(orders_api, people, network):
    """Two broadband installs in progress (Zhang, the company) and a mobile line already completed (Zhang)."""
    first = post(orders_api, broadband_body(people["zhang"], network.address)).json()
    second = post(orders_api, broadband_body(people["corp"], network.county_address)).json()
    mobile = {
        "category": "new", "relatedParty": [{"id": str(people["zhang"].pk)}],
        "productOrderItem": [{"productOffering": {"id": offering("mob-59")}}],
    }  # fmt: skip
    third = post(orders_api, mobile).json()
    return first, second, third


def test_list_pages_and_filters(orders_api, people, three_orders):
    first, second, third = three_orders
    assert third["state"] == "completed"
    page = orders_api.get(ORDER, {"limit": 2, "offset": 0})
    assert page.status_code == 200 and page["X-Total-Count"] == "3" and page["X-Result-Count"] == "2"
    assert [o["id"] for o in page.json()] == [first["id"], second["id"]]

    def ids(**params):
        response = orders_api.get(ORDER, params)
        assert response.status_code == 200, response.content
        return [o["id"] for o in response.json()]

    assert ids(state="inProgress") == [first["id"], second["id"]]
    assert ids(state="completed", category="new") == [third["id"]]
    assert ids(**{"relatedParty.id": str(people["corp"].pk)}) == [second["id"]]
    assert ids(externalId=third["externalId"]) == [third["id"]]
    assert ids(**{"orderDate.gt": "2020-01-01"}) == ids(**{"orderDate.lt": "2099-01-01"}) == ids()
    assert ids(**{"orderDate.lt": "2020-01-01"}) == []
    assert ids(sort="-id", limit=1) == [third["id"]]
    assert orders_api.get(ORDER, {"category.name": "x"}).status_code == 400
    slim = orders_api.get(ORDER, {"fields": "state"}).json()[0]
    assert set(slim) == {"id", "href", "@type", "state"}


def test_list_query_count_does_not_grow_with_rows(orders_api, people, network, three_orders,
                                                  django_assert_max_num_queries):  # fmt: skip
    with django_assert_max_num_queries(6):
        assert len(orders_api.get(ORDER).json()) == 3
    for _ in range(3):
        post(orders_api, broadband_body(people["zhang"], network.county_address))
    with django_assert_max_num_queries(6):
        assert len(orders_api.get(ORDER).json()) == 6


def test_cancel_gives_the_port_back_drops_the_line_and_tells_listeners(
    orders_api, people, network, listener, django_capture_on_commit_callbacks
):
    created = post(orders_api, broadband_body(people["zhang"], network.address)).json()
    subscribed = orders_api.post(HUB, {"callback": listener.url, "query": "eventType=ProductOrderStateChangeEvent"},
                                 format="json")  # fmt: skip
    assert subscribed.status_code == 201

    # When the client cancels the order
    with django_capture_on_commit_callbacks(execute=True):
        response = orders_api.post(
            CANCEL, {"productOrder": {"id": created["id"]}, "cancellationReason": "客户改期不装了"}, format="json"
        )

    # Then the cancellation is done, the order cancelled, the port free again, the new line dropped
    assert response.status_code == 201, response.content
    cancel = response.json()
    assert cancel["@type"] == "CancelProductOrder" and cancel["state"] == "done"
    assert cancel["id"] == created["id"] and cancel["productOrder"]["id"] == created["id"]
    assert cancel["productOrder"]["href"].endswith(f"{ORDER}/{created['id']}")
    assert cancel["cancellationReason"] == "客户改期不装了" and cancel["effectiveCancellationDate"]
    order = ProductOrder.objects.get(pk=created["id"])
    assert order.state == "cancelled" and order.product.status == "terminated"
    assert WorkOrder.objects.get(order=order).state == "cancelled"
    assert not PortReservation.objects.exclude(state="released").exists()
    network.olt.refresh_from_db()
    assert network.olt.used_ports == 0
    # and the subscriber heard about it
    assert listener.paths == ["/crm-events/listener/productOrderStateChangeEvent"]
    event = listener.received[0]["event"]["productOrder"]
    assert event["id"] == created["id"] and event["state"] == "cancelled"
    # The cancellation reads back, alone in the list
    assert [c["id"] for c in orders_api.get(CANCEL).json()] == [created["id"]]
    assert orders_api.get(f"{CANCEL}/{created['id']}").json()["state"] == "done"
    assert orders_api.get(ORDER, {"state": "cancelled"}).json()[0]["cancellationReason"] == "客户改期不装了"


def test_cancel_refusals(orders_api, people, three_orders):
    first, _second, completed = three_orders
    again = {"productOrder": {"id": completed["id"]}, "cancellationReason": "不要了"}
    refused = orders_api.post(CANCEL, again, format="json")
    assert refused.status_code == 409 and "cannot be cancelled" in refused.json()["message"]
    no_reason = orders_api.post(CANCEL, {"productOrder": {"id": first["id"]}}, format="json")
    assert no_reason.status_code == 400 and "cancellationReason" in no_reason.json()["message"]
    missing = orders_api.post(CANCEL, {"productOrder": {"id": "999999"}, "cancellationReason": "x"}, format="json")
    assert missing.status_code == 400
    later = {"productOrder": {"id": first["id"]}, "cancellationReason": "x", "requestedCancellationDate": "2099-01-01"}
    assert orders_api.post(CANCEL, later, format="json").status_code == 422
    assert orders_api.get(f"{CANCEL}/{first['id']}").status_code == 404  # not cancelled: no such request
    assert ProductOrder.objects.get(pk=first["id"]).state == "inProgress"


def test_patch_notes_and_appointment_but_not_the_state(orders_api, three_orders):
    first, _second, completed = three_orders
    url = f"{ORDER}/{first['id']}"
    changed = orders_api.patch(
        url, {"note": [{"text": "下午三点后"}], "requestedStartDate": "2026-12-02T15:00:00+08:00"}, format="json"
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["note"] == [{"text": "下午三点后"}]
    order = ProductOrder.objects.get(pk=first["id"])
    assert order.description == "下午三点后" and order.appointment_at.isoformat().startswith("2026-12-02T07:00")
    assert WorkOrder.objects.get(order=order).appointment_at == order.appointment_at
    assert Event.objects.filter(event_type="ProductOrderAttributeValueChangeEvent").count() == 1
    described = orders_api.patch(url, '{"description": "只留描述"}', content_type="application/merge-patch+json")
    assert described.status_code == 200 and described.json()["note"] == [{"text": "只留描述"}]

    cancelled = orders_api.patch(url, {"state": "cancelled"}, format="json")
    assert cancelled.status_code == 422 and "cancelProductOrder" in cancelled.json()["message"]
    assert orders_api.patch(url, {"state": "completed"}, format="json").status_code == 422
    assert orders_api.patch(url, {"category": "move"}, format="json").status_code == 400
    closed = f"{ORDER}/{completed['id']}"
    assert (
        orders_api.patch(closed, {"requestedStartDate": "2026-12-03T10:00:00+08:00"}, format="json").status_code == 409
    )
    assert orders_api.patch(closed, {"note": [{"text": "回访满意"}]}, format="json").status_code == 200
    assert ProductOrder.objects.get(pk=first["id"]).state == "inProgress"
