"""TMF621 troubleTicket: opening through the call centre's services with the SLA deadline, refusals, the
lifecycle with PATCH, paging, filters and a query bound, region scope, hub events; the telephony system's
incomingCall (screen pop, idempotent by callId, unknown agent, scope)."""

import pytest
from rest_framework.test import APIClient

from callcenter.models import Call, TroubleTicket
from crm.api.models import Event
from orders.models import ProductOffering
from orders.services import product_create
from tests.api.conftest import listener, token_for  # noqa: F401

pytestmark = pytest.mark.django_db
TICKET = "/tmf-api/troubleTicket/v4/troubleTicket"
HUB = "/tmf-api/troubleTicket/v4/hub"
CALL = "/tmf-api/troubleTicket/v4/incomingCall"


@pytest.fixture
def client_with(token_for):  # noqa: F811
    def make(*scopes: str, client: str = "itsm") -> APIClient:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(*scopes, client=client)}")
        api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # messages are checked in English; Chinese is the default
        return api

    return make


@pytest.fixture
def tickets_api(client_with) -> APIClient:
    return client_with("ticket:read", "ticket:write")


@pytest.fixture
def zhang(people, catalog, complaint_limits):
    from crm.accounts.models import Area

    customer = people["zhang"]
    customer.area = Area.objects.get(code="340102")  # urban Hefei
    customer.save()
    return customer


@pytest.fixture
def fixed_line(zhang):
    return product_create(customer=zhang, offering=ProductOffering.objects.get(code="fix-basic"),
                          service_number="055166660001", status="active")  # fmt: skip


def fault_body(customer, product=None, **extra) -> dict:
    body = {
        "ticketType": "fault",
        "description": "固话无拨号音",
        "relatedParty": [{"id": str(customer.pk), "role": "customer", "@referredType": "Customer"}],
        **extra,
    }
    if product is not None:
        body["relatedEntity"] = [{"id": str(product.pk), "role": "affectedProduct", "@referredType": "Product"}]
    return body


def open_ticket(api, body) -> dict:
    response = api.post(TICKET, body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_fault_is_opened_with_its_deadline_owner_and_product(tickets_api, zhang, fixed_line):
    # When the ITSM system opens a fault on Zhang's fixed line
    created = open_ticket(tickets_api, fault_body(zhang, fixed_line, severity="major"))

    # Then the ticket is acknowledged, due 24 h later (urban fixed line), owned by the API client
    assert created["@type"] == "TroubleTicket" and created["href"].endswith(f"{TICKET}/{created['id']}")
    ticket = TroubleTicket.objects.get(pk=created["id"])
    assert created["name"] == ticket.ticket_no and created["status"] == "acknowledged"
    assert created["ticketType"] == "fault" and created["severity"] == "major"
    assert created["expectedResolutionDate"] == ticket.due_at.isoformat()
    assert (ticket.due_at - ticket.sla_started_at).total_seconds() == 24 * 3600
    assert created["relatedEntity"][0] == {"id": str(fixed_line.pk), "role": "affectedProduct",
                                           "@referredType": "Product", "name": "055166660001"}  # fmt: skip
    roles = {p["role"]: p["id"] for p in created["relatedParty"]}
    assert roles == {"customer": str(zhang.pk), "owner": str(ticket.owner_id)}
    assert ticket.owner.username == "api-itsm"
    assert [h["status"] for h in created["statusChangeHistory"]] == ["acknowledged"]
    assert tickets_api.get(f"{TICKET}/{created['id']}").json()["name"] == ticket.ticket_no


def test_refusals(tickets_api, zhang, people, fixed_line):
    unknown = tickets_api.post(TICKET, fault_body(zhang) | {"relatedParty": [{"id": "999999"}]}, format="json")
    assert unknown.status_code == 400 and "relatedParty: customer 999999 not found" in unknown.json()["message"]
    bad_type = tickets_api.post(TICKET, fault_body(zhang, ticketType="praise"), format="json")
    assert bad_type.status_code == 400 and "ticketType" in bad_type.json()["message"]
    no_product = tickets_api.post(TICKET, fault_body(zhang) | {"relatedEntity": [{"id": "999999"}]}, format="json")
    assert no_product.status_code == 400
    # another customer's line: the service refuses it
    other = tickets_api.post(TICKET, fault_body(people["corp"], fixed_line), format="json")
    assert other.status_code == 422 and "another customer" in other.json()["message"]
    assert not TroubleTicket.objects.exists()


def test_lifecycle_with_patch(tickets_api, zhang, fixed_line):
    created = open_ticket(tickets_api, fault_body(zhang, fixed_line))
    url = f"{TICKET}/{created['id']}"

    # A closed ticket cannot be reached from acknowledged: 422, nothing changes
    refused = tickets_api.patch(url, {"status": "closed"}, format="json")
    assert refused.status_code == 422 and "cannot become closed" in refused.json()["message"]
    # Resolving without saying how is refused too
    assert tickets_api.patch(url, {"status": "resolved"}, format="json").status_code == 422
    assert TroubleTicket.objects.get(pk=created["id"]).status == "acknowledged"
    assert tickets_api.patch(url, {"status": "lost"}, format="json").status_code == 400
    assert tickets_api.patch(url, {"ticketType": "complaint"}, format="json").status_code == 400

    # Work starts, a note and a new severity are added in one merge patch
    working = tickets_api.patch(
        url, '{"status": "inProgress", "statusChangeReason": "已派单", "severity": "critical", '
        '"note": [{"text": "客户下午在家"}]}', content_type="application/merge-patch+json",
    )  # fmt: skip
    assert working.status_code == 200, working.content
    body = working.json()
    assert body["status"] == "inProgress" and body["severity"] == "critical"
    assert body["statusChangeReason"] == "已派单"
    assert [n["text"] for n in body["note"]] == ["severity: minor → critical", "客户下午在家"]

    # Then it is resolved with its resolution
    resolved = tickets_api.patch(url, {"status": "resolved", "resolution": "更换话机"}, format="json")
    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert body["status"] == "resolved" and body["resolution"] == "更换话机" and body["resolutionDate"]
    assert [h["status"] for h in body["statusChangeHistory"]] == ["acknowledged", "inProgress", "resolved"]
    ticket = TroubleTicket.objects.get(pk=created["id"])
    assert ticket.resolution == "更换话机" and ticket.resolved_at is not None
    # sending the notes back unchanged appends nothing
    again = tickets_api.patch(url, {"note": body["note"]}, format="json")
    assert again.status_code == 200 and len(again.json()["note"]) == 2


@pytest.fixture
def three_tickets(tickets_api, zhang, people, fixed_line):
    fault = open_ticket(tickets_api, fault_body(zhang, fixed_line))
    complaint = open_ticket(tickets_api, fault_body(people["corp"], ticketType="complaint", description="账单有误"))
    wuhu = open_ticket(tickets_api, fault_body(people["zhangw"], severity="critical", description="宽带掉线"))
    return fault, complaint, wuhu


def test_list_pages_and_filters(tickets_api, people, three_tickets):
    fault, complaint, wuhu = three_tickets
    page = tickets_api.get(TICKET, {"limit": 2, "offset": 0})
    assert page.status_code == 200 and page["X-Total-Count"] == "3" and page["X-Result-Count"] == "2"
    assert [t["id"] for t in page.json()] == [fault["id"], complaint["id"]]

    def ids(**params):
        response = tickets_api.get(TICKET, params)
        assert response.status_code == 200, response.content
        return [t["id"] for t in response.json()]

    assert ids(ticketType="complaint") == [complaint["id"]]
    assert ids(severity="critical") == [wuhu["id"]]
    assert ids(status="acknowledged", ticketType="fault") == [fault["id"], wuhu["id"]]
    assert ids(**{"relatedParty.id": str(people["corp"].pk)}) == [complaint["id"]]
    assert ids(**{"creationDate.gt": "2020-01-01"}) == ids(**{"creationDate.lt": "2099-01-01"}) == ids()
    assert ids(**{"creationDate.lt": "2020-01-01"}) == []
    assert ids(sort="-id", limit=1) == [wuhu["id"]]
    assert tickets_api.get(TICKET, {"colour": "red"}).status_code == 400


def test_staff_see_only_their_region(client, make_staff, three_tickets):
    fault, complaint, wuhu = three_tickets
    client.force_login(make_staff("call_agent"))  # a Hefei agent, with the session's role scopes
    assert [t["id"] for t in client.get(TICKET).json()] == [fault["id"], complaint["id"]]
    assert client.get(f"{TICKET}/{wuhu['id']}").status_code == 404


def test_list_query_count_does_not_grow_with_rows(tickets_api, zhang, three_tickets, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert len(tickets_api.get(TICKET).json()) == 3
    for _ in range(4):
        open_ticket(tickets_api, fault_body(zhang, ticketType="complaint", description="网速慢"))
    with django_assert_max_num_queries(6):
        assert len(tickets_api.get(TICKET).json()) == 7


def test_events_reach_a_listener(tickets_api, zhang, fixed_line, listener, django_capture_on_commit_callbacks):  # noqa: F811
    assert tickets_api.post(HUB, {"callback": listener.url}, format="json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        created = open_ticket(tickets_api, fault_body(zhang, fixed_line))
    with django_capture_on_commit_callbacks(execute=True):
        response = tickets_api.patch(f"{TICKET}/{created['id']}", {"status": "resolved", "resolution": "复位"},
                                     format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert listener.paths == [
        "/crm-events/listener/troubleTicketCreateEvent",
        "/crm-events/listener/troubleTicketStatusChangeEvent",
        "/crm-events/listener/troubleTicketResolvedEvent",
    ]
    assert listener.received[0]["event"]["troubleTicket"]["id"] == created["id"]
    assert listener.received[2]["event"]["troubleTicket"]["status"] == "resolved"
    # a refused move publishes nothing
    assert tickets_api.patch(f"{TICKET}/{created['id']}", {"status": "pending"}, format="json").status_code == 422
    assert Event.objects.filter(api_name="troubleTicket").count() == 3


def test_scopes(client_with, zhang):
    reader = client_with("ticket:read", client="reader")
    assert reader.get(TICKET).status_code == 200
    assert reader.post(TICKET, fault_body(zhang), format="json").status_code == 403
    assert client_with("order:read", client="other").get(TICKET).status_code == 403
    assert client_with("ticket:write", "ticket:read", client="t").post(CALL, {}, format="json").status_code == 403
    assert APIClient().get(TICKET).status_code == 401
    assert not TroubleTicket.objects.exists()


@pytest.fixture
def telephony(client_with) -> APIClient:
    return client_with("telephony:write", client="telephony")


def test_incoming_call_pops_the_customer_and_is_idempotent(telephony, make_staff, zhang, fixed_line):
    agent = make_staff("call_agent", username="li", employee_no="E1001")
    body = {"callId": "c-1", "callingNumber": "055166660001", "agent": "E1001"}

    first = telephony.post(CALL, body, format="json")
    assert first.status_code == 201, first.content
    assert first.json() == {
        "callId": "c-1",
        "customer": {"id": str(zhang.pk), "customerNo": zhang.customer_no, "name": "张伟明"},
        "popUrl": "/callcenter/calls/c-1/",
    }
    again = telephony.post(CALL, body | {"agent": "li"}, format="json")
    assert again.status_code == 200 and again.json() == first.json()
    assert Call.objects.get().agent == agent

    # a number nobody has: no customer; a phone on file finds its owner
    unknown = telephony.post(CALL, {"callId": "c-2", "callingNumber": "13900000000", "agent": "li"}, format="json")
    assert unknown.status_code == 201 and unknown.json()["customer"] is None
    by_phone = telephony.post(CALL, {"callId": "c-3", "callingNumber": "18955512345", "agent": "li"}, format="json")
    assert by_phone.json()["customer"]["customerNo"] == zhang.customer_no


def test_incoming_call_for_an_unknown_agent_is_400(telephony, zhang):
    response = telephony.post(CALL, {"callId": "c-9", "callingNumber": "18955512345", "agent": "nobody"}, format="json")
    assert response.status_code == 400 and "agent" in response.json()["message"]
    assert telephony.post(CALL, {"callId": "c-9"}, format="json").status_code == 400
    assert not Call.objects.exists()
