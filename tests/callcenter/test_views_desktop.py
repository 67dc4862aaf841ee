"""The hotline agent's pages: screen pop, wrap-up with ticket/callback, ticket actions, supervisor view, ticket list."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from callcenter import services
from callcenter.models import Call, Callback, Outage, ReasonCategory, TicketOwnerChange, TroubleTicket
from customers.models import PartyInteraction
from orders.models import ProductOffering
from orders.services import product_create


@pytest.fixture
def agent(make_staff):
    return make_staff("call_agent")


@pytest.fixture
def en(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def zhang(people, catalog, complaint_limits):
    from crm.accounts.models import Area

    customer = people["zhang"]
    customer.area = Area.objects.get(code="340102")
    customer.save()
    return customer


@pytest.fixture
def fault_reason(db):
    top, _ = ReasonCategory.objects.get_or_create(
        code="t-net", defaults={"name": "网络", "interaction_type": "fault_report"}
    )
    reason, _ = ReasonCategory.objects.get_or_create(
        code="t-net-down", defaults={"name": "宽带断网", "interaction_type": "fault_report", "parent": top}
    )
    return reason


def ring(agent, number="18955512345", call_id="C-1"):
    return services.call_incoming(call_id=call_id, calling_number=number, agent=agent)


def test_simulated_call_pops_the_call_page_of_the_caller(en, agent, zhang):
    en.force_login(agent)
    # given a simulated call from Zhang's phone
    assert en.post(reverse("callcenter:call_simulate"), {"calling_number": "18955512345"}).status_code == 302
    call = Call.objects.get(agent=agent)
    assert call.customer == zhang and call.state == "ringing"
    # when the desktop polls
    poll = en.get(reverse("callcenter:call_poll"), HTTP_HX_REQUEST="true")
    # then it switches to the call page of Zhang
    call_url = reverse("callcenter:call", args=[call.call_id])
    assert poll["HX-Redirect"] == call_url
    assert call_url in poll.content.decode() and "张伟明" in poll.content.decode()
    page = en.get(call_url)
    assert page.status_code == 200 and "张伟明" in page.content.decode() and "189****2345" in page.content.decode()
    desktop = en.get(reverse("callcenter:desktop"))
    assert 'hx-trigger="every 750ms"' in desktop.content.decode()
    # back on the desktop from the call page on purpose: the banner stays, no second pop
    stay = en.get(reverse("callcenter:call_poll"), {"stay": call.call_id}, HTTP_HX_REQUEST="true")
    assert "HX-Redirect" not in stay and call_url in stay.content.decode()


def test_unknown_number_shows_no_redirect_and_a_customer_search(en, agent, zhang):
    en.force_login(agent)
    call = ring(agent, number="13300000000")
    poll = en.get(reverse("callcenter:call_poll"), HTTP_HX_REQUEST="true")
    assert "HX-Redirect" not in poll and "Unknown number" in poll.content.decode()
    page = en.get(reverse("callcenter:call", args=[call.call_id]))
    assert 'data-testid="customer-search"' in page.content.decode()
    attached = en.get(reverse("callcenter:call", args=[call.call_id]), {"customer": zhang.customer_no})
    assert attached.context["customer"] == zhang


def test_wrap_up_with_a_fault_ticket_and_site_visit(client, agent, zhang, network, fault_reason):
    zhang.grid, zhang.area = network.grid, network.urban
    zhang.save()
    broadband = product_create(customer=zhang, offering=ProductOffering.objects.get(code="bb-300"),
                               service_number="ad0551000000009", status="active")  # fmt: skip
    call = ring(agent)
    client.force_login(agent)
    response = client.post(reverse("callcenter:call", args=[call.call_id]), {
        "interaction_type": "fault_report", "reason": fault_reason.pk, "notes": "光猫红灯", "outcome": "派修",
        "open_ticket": "on", "ticket_type": "fault", "severity": "major", "product": broadband.pk,
        "needs_site_visit": "on",
    })  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    ticket = TroubleTicket.objects.get(call=call)
    assert ticket.owner == agent and ticket.product == broadband and ticket.work_order is not None
    assert ticket.status == "inProgress" and ticket.severity == "major" and ticket.reason == fault_reason
    call.refresh_from_db()
    assert call.state == "ended" and call.interaction is not None and call.interaction.customer == zhang
    assert PartyInteraction.objects.filter(pk=call.interaction_id, interaction_type="fault_report").exists()


def test_wrap_up_with_a_reason_of_another_type_writes_nothing(en, agent, zhang, fault_reason):
    call = ring(agent)
    en.force_login(agent)
    before = PartyInteraction.objects.count()
    response = en.post(reverse("callcenter:call", args=[call.call_id]), {
        "interaction_type": "inquiry", "reason": fault_reason.pk, "notes": "问资费",
        "open_ticket": "on", "ticket_type": "complaint",
    })  # fmt: skip
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    unknown = en.post(
        reverse("callcenter:call", args=[call.call_id]), {"interaction_type": "inquiry", "reason": 999999}
    )
    assert "reason" in unknown.context["form"].errors
    call.refresh_from_db()
    assert call.state == "ringing" and not TroubleTicket.objects.exists()
    assert PartyInteraction.objects.count() == before


def test_service_error_rolls_back_the_whole_wrap_up(en, agent, zhang):
    call = ring(agent)
    en.force_login(agent)
    # a callback is valid, but the ticket description is only spaces: the service refuses, nothing is written
    response = en.post(reverse("callcenter:call", args=[call.call_id]), {
        "interaction_type": "complaint", "notes": "   ", "open_ticket": "on", "ticket_type": "complaint",
    })  # fmt: skip
    assert response.status_code == 200 and response.context["form"].errors
    assert not TroubleTicket.objects.exists() and Call.objects.get(pk=call.pk).state == "ringing"


def test_callback_from_the_wrap_up_appears_on_the_desktop(en, agent, zhang):
    call = ring(agent)
    en.force_login(agent)
    soon = timezone.localtime() + datetime.timedelta(minutes=5)
    if soon.date() != timezone.localdate():  # just before midnight: the callback would be tomorrow's
        pytest.skip("too close to midnight")
    response = en.post(reverse("callcenter:call", args=[call.call_id]), {
        "interaction_type": "inquiry", "notes": "客户稍后再谈", "outcome": "约回电",
        "schedule_callback": "on", "callback_at": soon.strftime("%Y-%m-%dT%H:%M"),
    })  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    callback = Callback.objects.get(agent=agent)
    assert callback.customer == zhang and callback.phone == "18955512345"
    desktop = en.get(reverse("callcenter:desktop"))
    assert callback in desktop.context["callbacks"] and "18955512345" in desktop.content.decode()


def test_ticket_page_transitions_and_transfer_needs_a_reason(en, agent, zhang, make_staff):
    colleague = make_staff("call_agent")
    ticket = services.ticket_open(customer=zhang, ticket_type="complaint", description="资费不明", owner=agent)
    en.force_login(agent)
    url = reverse("callcenter:ticket", args=[ticket.ticket_no])
    page = en.get(url)
    assert page.status_code == 200 and colleague in page.context["transfer_form"].fields["to_owner"].queryset
    assert en.post(url, {"action": "status", "status": "inProgress"}).status_code == 302
    no_resolution = en.post(url, {"action": "status", "status": "resolved"})
    assert no_resolution.status_code == 200 and no_resolution.context["status_form"].errors
    assert en.post(url, {"action": "status", "status": "resolved", "resolution": "解释清楚"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and ticket.resolution == "解释清楚"
    not_allowed = en.post(url, {"action": "status", "status": "pending"})
    assert not_allowed.status_code == 200 and TroubleTicket.objects.get(pk=ticket.pk).status == "resolved"

    other = services.ticket_open(customer=zhang, ticket_type="fault", description="无信号", owner=agent)
    other_url = reverse("callcenter:ticket", args=[other.ticket_no])
    refused = en.post(other_url, {"action": "transfer", "to_owner": colleague.pk, "reason": ""})
    assert refused.status_code == 200 and "reason" in refused.context["transfer_form"].errors
    assert not TicketOwnerChange.objects.exists()
    assert en.post(other_url, {"action": "transfer", "to_owner": colleague.pk, "reason": "换班"}).status_code == 302
    assert TroubleTicket.objects.get(pk=other.pk).owner == colleague
    assert en.post(other_url, {"action": "escalate", "note": "x"}).status_code == 403  # agents do not escalate


def test_supervisor_page_is_for_supervisors_and_counts(client, agent, zhang, make_staff):
    overdue = services.ticket_open(customer=zhang, ticket_type="complaint", description="骗人！工信部", owner=agent)
    TroubleTicket.objects.filter(pk=overdue.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    services.ticket_open(customer=zhang, ticket_type="fault", description="无信号", owner=agent)
    client.force_login(agent)
    assert client.get(reverse("callcenter:supervisor")).status_code == 403
    client.force_login(make_staff("manager"))
    page = client.get(reverse("callcenter:supervisor"))
    assert page.status_code == 200
    assert page.context["by_state"]["breached"] == 1
    assert sum(page.context["by_state"].values()) == 2
    assert page.context["workload"][0]["owner__username"] == agent.username
    assert page.context["workload"][0]["open"] == 2
    assert page.context["risky"][0] == overdue
    drill = client.get(reverse("callcenter:tickets"), {"open": "true", "sla": "breached"})
    assert [row["cells"][0][0] for row in drill.context["rows"]] == [overdue.ticket_no]


def test_ticket_list_filters_mine_with_bounded_queries(client, agent, zhang, make_staff, django_assert_max_num_queries):
    other = make_staff("call_agent")
    for n in range(8):
        services.ticket_open(
            customer=zhang, ticket_type="fault", description=f"故障{n}", owner=agent if n % 2 else other
        )
    client.force_login(agent)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("callcenter:tickets"), {"owner": "me"})
    assert response.status_code == 200 and response.context["total"] == 4


def test_vas_subscribe_and_unsubscribe_with_the_wrap_up(en, agent, zhang, network):
    line = product_create(customer=zhang, offering=ProductOffering.objects.get(code="mob-89"),
                          service_number="18955599999", status="active",
                          billing_account=zhang.accounts.first())  # fmt: skip
    vas_cloud = ProductOffering.objects.get(code="vas-cloud")
    en.force_login(agent)
    call = ring(agent, call_id="C-VAS-1")
    response = en.post(reverse("callcenter:call", args=[call.call_id]), {
        "interaction_type": "vas_self_service", "notes": "开通云盘", "vas_add_offering": vas_cloud.pk,
        "vas_add_line": line.pk,
    })  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    vas = zhang.products.get(offering=vas_cloud)
    assert vas.status == "active"
    call = ring(agent, call_id="C-VAS-2")
    response = en.post(reverse("callcenter:call", args=[call.call_id]), {
        "interaction_type": "vas_self_service", "notes": "退订云盘", "vas_remove": vas.pk,
    })  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    vas.refresh_from_db()
    assert vas.status == "terminated"


def test_outage_declared_and_resolved_by_a_dispatcher_only(client, agent, zhang, network):
    client.force_login(agent)
    page = client.get(reverse("callcenter:outages"))
    assert page.status_code == 200 and page.context["form"] is None
    assert client.post(reverse("callcenter:outages"), {"title": "x"}).status_code == 403
    client.force_login(network.dispatcher)
    no_scope = client.post(reverse("callcenter:outages"), {"region": zhang.region_id, "title": "板卡故障"})
    assert no_scope.status_code == 200 and no_scope.context["form"].errors
    response = client.post(reverse("callcenter:outages"), {
        "region": zhang.region_id, "access_point": network.olt.pk, "title": "瑶海OLT-1 板卡故障",
    })  # fmt: skip
    assert response.status_code == 302
    outage = Outage.objects.get()
    assert outage.access_point == network.olt and outage.status == "open"
    client.post(reverse("callcenter:outage_resolve", args=[outage.pk]), {"resolution": "更换板卡"})
    outage.refresh_from_db()
    assert outage.status == "resolved"
