"""Two staff members edit the same ticket or work order at once: the second gets a clear conflict (a form message in
the UI, 412 with the TMF error body in the API) and the first's change is what is stored. Optimistic locking by a
version that every write adds one to, compared under the row lock."""

import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from callcenter import services as tickets
from callcenter.models import TicketOwnerChange, TicketStatusChange, TroubleTicket
from orders.models import ProductOffering, WorkOrder, WorkOrderAssignment
from orders.services import work
from tests.api.conftest import token_for  # noqa: F401
from tests.callcenter.conftest import complaint_limits  # noqa: F401
from tests.customers.conftest import people  # noqa: F401
from tests.orders.conftest import catalog, network  # noqa: F401

TICKET_API = "/tmf-api/troubleTicket/v4/troubleTicket"
VERSION_FIELD = re.compile(r'<input type="hidden" name="version" value="(\d+)"')


def english_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def loaded_version(html: str) -> int:
    """The version the page's edit forms carry (all of them the same)."""
    versions = set(VERSION_FIELD.findall(html))
    assert len(versions) == 1, versions
    return int(versions.pop())


def conflict_text(when) -> str:
    return f"Someone else changed this {{}} at {timezone.localtime(when):%H:%M}; reload to see their change."


@pytest.fixture
def zhang(people, catalog, complaint_limits):  # noqa: F811
    return people["zhang"]


@pytest.fixture
def agents(make_staff):
    return make_staff("call_agent"), make_staff("call_agent")


@pytest.fixture
def ticket(zhang, agents):
    return tickets.ticket_open(customer=zhang, ticket_type="complaint", description="资费不明", owner=agents[0])


# --- Tickets in the UI ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_agents_resolve_the_same_ticket_the_second_gets_the_form_message(ticket, agents):
    # Given two agents with the same ticket open
    first, second = (english_client(agent) for agent in agents)
    url = reverse("callcenter:ticket", args=[ticket.ticket_no])
    version = loaded_version(first.get(url).content.decode())
    assert version == loaded_version(second.get(url).content.decode()) == 1

    # When both resolve it, the first one first
    done = first.post(url, {"action": "status", "status": "resolved", "resolution": "套餐解释清楚", "version": version})
    late = second.post(url, {"action": "status", "status": "resolved", "resolution": "退费50元", "version": version})

    # Then the first is saved; the second sees the conflict with the time of the first's change, and nothing of theirs
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert late.status_code == 200
    assert late.context["conflict"] == conflict_text(ticket.updated_at).format("ticket")
    assert 'data-testid="conflict"' in late.content.decode()
    assert ticket.status == "resolved" and ticket.resolution == "套餐解释清楚" and ticket.version == 2
    assert TicketStatusChange.objects.filter(ticket=ticket, to_status="resolved").count() == 1
    # and after reloading, the page carries the new version and the second agent can act on what is there now
    reloaded = second.get(url).content.decode()
    assert loaded_version(reloaded) == 2 and "套餐解释清楚" in reloaded
    assert second.post(url, {"action": "status", "status": "closed", "version": 2}).status_code == 302
    assert TroubleTicket.objects.get(pk=ticket.pk).version == 3


@pytest.mark.django_db
def test_a_transfer_from_an_old_page_is_refused_after_a_status_change(ticket, agents, make_staff):
    first, second = (english_client(agent) for agent in agents)
    url = reverse("callcenter:ticket", args=[ticket.ticket_no])
    version = loaded_version(second.get(url).content.decode())
    first.post(url, {"action": "status", "status": "inProgress", "version": version})

    late = second.post(url, {"action": "transfer", "to_owner": make_staff("call_agent").pk, "reason": "换班",
                             "version": version})  # fmt: skip

    assert late.status_code == 200 and "Someone else changed this ticket" in late.context["conflict"]
    ticket.refresh_from_db()
    assert ticket.owner == agents[0] and ticket.status == "inProgress"
    assert not TicketOwnerChange.objects.exists()


@pytest.mark.django_db
def test_a_change_made_while_the_request_runs_is_caught_under_the_lock(ticket, agents):
    # The page check saw version 1, but someone else's write landed before the service took the row lock
    tickets.ticket_transition(ticket=ticket, status="inProgress", actor=agents[0], expected_version=1)

    with pytest.raises(tickets.StaleVersion):
        tickets.ticket_transition(ticket=ticket, status="resolved", actor=agents[1], resolution="x", expected_version=1)
    with pytest.raises(tickets.StaleVersion):
        tickets.ticket_escalate(ticket=ticket, actor=agents[1], note="x", expected_version=1)

    ticket.refresh_from_db()
    assert ticket.status == "inProgress" and ticket.escalated_at is None and ticket.version == 2


@pytest.mark.django_db
def test_every_write_adds_one_to_the_version(ticket, agents, make_staff):
    assert ticket.version == 1
    tickets.ticket_transition(ticket=ticket, status="inProgress", actor=agents[0])
    tickets.ticket_annotate(ticket=ticket, actor=agents[0], severity="major", notes=("客户来电催促",))
    tickets.ticket_transfer_owner(ticket=ticket, to_owner=agents[1], actor=agents[0], reason="换班")
    tickets.ticket_escalate(ticket=ticket, actor=make_staff("manager"), note="重复投诉")
    assert tickets.ticket_annotate(ticket=ticket, actor=agents[0]) is False  # nothing changed: no new version
    ticket.refresh_from_db()
    assert ticket.version == 5


# --- Tickets in the API: ETag and If-Match ----------------------------------------------------------------------


@pytest.fixture
def api(token_for):  # noqa: F811
    def make() -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for('ticket:read', 'ticket:write', client='itsm')}")
        return client

    return make


@pytest.mark.django_db
def test_etag_and_if_match_round_trip(api, ticket):
    client = api()
    url = f"{TICKET_API}/{ticket.pk}"

    # GET answers the version as a weak ETag
    got = client.get(url)
    assert got.status_code == 200 and got["ETag"] == 'W/"1"'

    # A PATCH with that ETag applies and answers the new one
    patched = client.patch(url, {"severity": "major"}, format="json", HTTP_IF_MATCH=got["ETag"])
    assert patched.status_code == 200, patched.content
    assert patched["ETag"] == 'W/"2"' and patched.json()["severity"] == "major"
    assert client.get(url)["ETag"] == 'W/"2"'

    # The old ETag now fails with 412 and the TMF error body, and nothing changes
    stale = client.patch(url, {"severity": "critical"}, format="json", HTTP_IF_MATCH=got["ETag"])
    assert stale.status_code == 412
    body = stale.json()
    assert body["@type"] == "Error" and body["status"] == "412" and body["code"] == "staleVersion"
    assert body["reason"] == "Precondition Failed" and "Someone else changed this ticket" in body["message"]
    ticket.refresh_from_db()
    assert ticket.severity == "major" and ticket.version == 2

    # The strong form of the tag, a list and * are understood; no If-Match is last-writer-wins (the default)
    assert client.patch(url, {"severity": "minor"}, format="json", HTTP_IF_MATCH='"2"').status_code == 200
    assert client.patch(url, {"severity": "major"}, format="json", HTTP_IF_MATCH='W/"1", W/"3"').status_code == 200
    assert client.patch(url, {"severity": "minor"}, format="json", HTTP_IF_MATCH="*").status_code == 200
    assert client.patch(url, {"severity": "critical"}, format="json").status_code == 200
    assert client.patch(url, {"severity": "major"}, format="json", HTTP_IF_MATCH="garbage").status_code == 412
    ticket.refresh_from_db()
    assert ticket.severity == "critical" and ticket.version == 6


@pytest.mark.django_db
def test_two_api_clients_resolve_the_same_ticket_the_second_gets_412(api, ticket):
    first, second = api(), api()
    url = f"{TICKET_API}/{ticket.pk}"
    etag = first.get(url)["ETag"]
    assert second.get(url)["ETag"] == etag

    body = {"status": "resolved", "resolution": "已修复"}
    assert first.patch(url, body, format="json", HTTP_IF_MATCH=etag).status_code == 200
    late = second.patch(url, {**body, "resolution": "另一种修复"}, format="json", HTTP_IF_MATCH=etag)

    assert late.status_code == 412 and late.json()["code"] == "staleVersion"
    ticket.refresh_from_db()
    assert ticket.resolution == "已修复"
    assert TicketStatusChange.objects.filter(ticket=ticket, to_status="resolved").count() == 1


# --- Work orders: two dispatchers ------------------------------------------------------------------------------


@pytest.fixture
def open_work_order(zhang, network):  # noqa: F811
    """A broadband install waiting for dispatch (two teams cover its grid, so nobody is assigned automatically)."""
    from crm.accounts.models import OrgUnit
    from orders.eligibility import OrderRequest
    from orders.services import intake

    contractor = OrgUnit.objects.create(code="CREW-YH-2", name="瑶海代维", kind="maintenance_contractor",
                                        region=network.crew.region)  # fmt: skip
    contractor.coverage.create(grid=network.grid)
    zhang.credit_rating = 70
    zhang.save()
    order = intake.order_submit(
        request=OrderRequest(order_type="new", customer=zhang, offering=ProductOffering.objects.get(code="bb-500"),
                             address=network.address, payment_method="cash"),
        actor=network.clerk,
    )  # fmt: skip
    work_order = order.work_orders.get()
    assert work_order.state == "open"
    work_order.contractor = contractor
    return work_order


@pytest.mark.django_db
def test_two_dispatchers_assign_the_same_work_order_the_second_gets_the_form_message(
    open_work_order,
    network,  # noqa: F811
    make_staff,
):
    wo = open_work_order
    first, second = english_client(network.dispatcher), english_client(make_staff("dispatcher"))
    url = reverse("orders:work_order_assign", args=[wo.wo_no])
    version = loaded_version(first.get(url).content.decode())
    assert loaded_version(second.get(url).content.decode()) == version

    done = first.post(url, {"team": network.crew.pk, "version": version})
    late = second.post(url, {"team": wo.contractor.pk, "version": version})

    assert done.status_code == 302
    wo.refresh_from_db()
    assert late.status_code == 200
    html = late.content.decode()
    assert 'data-testid="form-errors"' in html
    assert conflict_text(wo.updated_at).format("work order") in html
    assert "This field is required." not in html  # not the reassign form's reason: only the conflict is shown
    assert wo.team == network.crew and wo.state == "assigned" and wo.version == version + 1
    assert WorkOrderAssignment.objects.filter(work_order=wo).count() == 1


@pytest.mark.django_db
def test_auto_assign_from_an_old_board_is_refused(open_work_order, network, make_staff):  # noqa: F811
    wo = open_work_order
    board = english_client(network.dispatcher)
    html = board.get(reverse("orders:dispatch_board")).content.decode()
    assert f'name="version" value="{wo.version}"' in html
    work.work_order_hold(work_order=wo, actor=make_staff("dispatcher"), reason="客户出差")

    response = board.post(reverse("orders:work_order_auto_assign", args=[wo.wo_no]), {"version": wo.version},
                          follow=True)  # fmt: skip

    assert "Someone else changed this work order" in response.content.decode()
    wo.refresh_from_db()
    assert wo.state == "held" and not wo.assignments.exists()


@pytest.mark.django_db
def test_hold_from_an_old_page_shows_the_conflict_even_when_the_form_is_gone(open_work_order, network, make_staff):  # noqa: F811
    wo = open_work_order
    first, second = english_client(network.dispatcher), english_client(make_staff("dispatcher"))
    page = reverse("orders:work_order_detail", args=[wo.wo_no])
    version = loaded_version(second.get(page).content.decode())
    assert first.post(reverse("orders:work_order_hold", args=[wo.wo_no]), {"reason": "客户装修未完成",
                      "version": version}).status_code == 302  # fmt: skip

    late = second.post(reverse("orders:work_order_hold", args=[wo.wo_no]), {"reason": "客户出差", "version": version})

    html = late.content.decode()
    assert late.status_code == 200 and 'data-testid="conflict"' in html
    assert 'data-testid="hold-form"' not in html  # a held work order offers no hold; the conflict still shows
    wo.refresh_from_db()
    assert wo.state == "held" and "客户装修未完成" in wo.notes and "客户出差" not in wo.notes


@pytest.mark.django_db
def test_work_order_versions_increase_with_each_step(open_work_order, network):  # noqa: F811
    wo = open_work_order
    assert wo.version == 1
    wo = work.work_order_assign(work_order=wo, actor=network.dispatcher, team=network.crew,
                                technician=network.technician, expected_version=1)  # fmt: skip
    wo = work.work_order_hold(work_order=wo, actor=network.dispatcher, reason="客户出差", expected_version=2)
    wo = work.work_order_resume(work_order=wo, actor=network.dispatcher, expected_version=3)
    wo = work.field_start(work_order=wo, technician=network.technician, expected_version=4)
    assert WorkOrder.objects.get(pk=wo.pk).version == 5
    with pytest.raises(work.StaleVersion):
        work.field_start(work_order=wo, technician=network.technician, expected_version=4)


# --- Really at once: two transactions racing for the same row ------------------------------------------------------


def _race(*calls) -> list:
    """Run the calls in threads released together (each on its own database connection); their outcomes in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            outcomes[i] = call()
        except Exception as exc:  # the outcome under test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_dispatchers_at_the_same_instant_exactly_one_assignment_wins(open_work_order, network, make_staff):  # noqa: F811
    wo = open_work_order
    other = make_staff("dispatcher")
    outcomes = _race(
        lambda: work.work_order_assign(work_order=wo, actor=network.dispatcher, team=network.crew, expected_version=1),
        lambda: work.work_order_assign(work_order=wo, actor=other, team=wo.contractor, expected_version=1),
    )

    won = [o for o in outcomes if isinstance(o, WorkOrder)]
    lost = [o for o in outcomes if isinstance(o, work.StaleVersion)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    wo.refresh_from_db()
    assert wo.version == 2 and wo.team_id == won[0].team_id
    assert WorkOrderAssignment.objects.filter(work_order=wo).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_agents_at_the_same_instant_exactly_one_resolution_wins(ticket, agents):
    outcomes = _race(*[
        lambda agent=agent, text=text: tickets.ticket_transition(ticket=ticket, status="resolved", actor=agent,
                                                                 resolution=text, expected_version=1)
        for agent, text in zip(agents, ("重启光猫", "更换光猫"), strict=True)
    ])  # fmt: skip

    won = [o for o in outcomes if isinstance(o, TroubleTicket)]
    assert len(won) == 1 and sum(isinstance(o, tickets.StaleVersion) for o in outcomes) == 1, outcomes
    ticket.refresh_from_db()
    assert ticket.resolution == won[0].resolution and ticket.version == 2
    assert TicketStatusChange.objects.filter(ticket=ticket, to_status="resolved").count() == 1
