"""Trouble tickets: TMF621 lifecycle, deadlines from the SLA table (area, level, DIA grade, the 14:00 rule),
first-contact ownership, repeat complaints and regulator risk, repair work orders, outages, callbacks, calls."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from callcenter import services
from callcenter.models import Callback, TicketOwnerChange, TroubleTicket
from crm.audit.models import AuditEntry
from orders.models import ProductOffering, WorkOrder
from orders.services import product_create
from orders.services import work as work_services
from orders.services.resources import port_reserve

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def agent(make_staff):
    return make_staff("call_agent")


@pytest.fixture
def zhang(people, catalog, complaint_limits):
    from crm.accounts.models import Area

    customer = people["zhang"]
    customer.area = Area.objects.get(code="340102")  # urban Hefei
    customer.save()
    return customer


def line(customer, code, number):
    return product_create(customer=customer, offering=ProductOffering.objects.get(code=code), service_number=number,
                          status="active")  # fmt: skip


def hours(ticket):
    return (ticket.due_at - ticket.sla_started_at) / datetime.timedelta(hours=1)


def test_lifecycle_with_history_and_paused_clock(zhang, agent):
    ticket = services.ticket_open(customer=zhang, ticket_type="fault", description="固话无拨号音", owner=agent,
                                  product=line(zhang, "fix-basic", "055166660001"))  # fmt: skip
    assert ticket.status == "acknowledged" and ticket.owner == agent
    services.ticket_transition(ticket=ticket, status="pending", actor=agent, note="等客户在家")
    ticket = TroubleTicket.objects.get(pk=ticket.pk)
    assert ticket.paused_at is not None
    services.ticket_transition(ticket=ticket, status="inProgress", actor=agent)
    with pytest.raises(ValueError):
        services.ticket_transition(ticket=ticket, status="resolved", actor=agent)  # how was it resolved?
    services.ticket_transition(ticket=ticket, status="resolved", actor=agent, resolution="更换话机")
    services.ticket_transition(ticket=ticket, status="closed", actor=agent)
    with pytest.raises(services.TicketStateError):
        services.ticket_transition(ticket=ticket, status="inProgress", actor=agent)
    history = list(TroubleTicket.objects.get(pk=ticket.pk).status_changes.values_list("to_status", flat=True))
    assert history == ["acknowledged", "pending", "inProgress", "resolved", "closed"]


def test_deadlines_by_product_area_level_and_grade(zhang, people, agent, hefei):
    from crm.accounts.models import Area

    fixed = services.ticket_open(customer=zhang, ticket_type="fault", description="断线", owner=agent,
                                 product=line(zhang, "fix-basic", "055166660002"))  # fmt: skip
    assert hours(fixed) == 24
    urban = services.ticket_open(customer=zhang, ticket_type="fault", description="断线", owner=agent,
                                 product=line(zhang, "fix-basic", "055166660003"))  # fmt: skip
    zhang.area = Area.objects.get(code="340121")  # county
    zhang.save()
    county = services.ticket_open(customer=zhang, ticket_type="fault", description="断线", owner=agent,
                                  product=line(zhang, "fix-basic", "055166660004"))  # fmt: skip
    broadband = services.ticket_open(customer=zhang, ticket_type="fault", description="宽带掉线", owner=agent,
                                     product=line(zhang, "bb-300", "ad0551000000001"))  # fmt: skip
    assert (hours(urban), hours(county), hours(broadband)) == (24, 48, 8)
    corp = people["corp"]
    gold = services.ticket_open(customer=corp, ticket_type="fault", description="专线中断", owner=agent,
                                product=line(corp, "dia-gold-100", "DIA-0551-0000001"))  # fmt: skip
    assert hours(gold) == 2
    zhang.service_level = "diamond"
    zhang.save()
    green = services.ticket_open(customer=zhang, ticket_type="fault", description="宽带掉线", owner=agent,
                                 product=line(zhang, "bb-500", "ad0551000000002"))  # fmt: skip
    assert hours(green) == 4 and green.priority > broadband.priority


def test_the_14_oclock_rule_for_ip_supermarkets(catalog):
    before = datetime.datetime(2026, 11, 23, 13, 59, tzinfo=SHANGHAI)
    after = datetime.datetime(2026, 11, 23, 14, 0, tzinfo=SHANGHAI)
    assert services.fault_work_type("fault", None, reported_at=before, segment="ip_supermarket") == (
        "fault_ip_supermarket", "before_14")  # fmt: skip
    assert services.fault_work_type("fault", None, reported_at=after, segment="ip_supermarket") == (
        "fault_ip_supermarket", "after_14")  # fmt: skip
    from crm.sla.selectors import limit_for

    assert limit_for(work_type="fault_ip_supermarket", variant="before_14").resolution_minutes == 8 * 60
    assert limit_for(work_type="fault_ip_supermarket", variant="after_14").resolution_minutes == 24 * 60


def test_ownership_stays_with_the_first_agent_until_transferred_with_a_reason(zhang, agent, make_staff):
    ticket = services.ticket_open(customer=zhang, ticket_type="complaint", description="资费不清", owner=agent)
    other = make_staff("call_agent")
    with pytest.raises(ValueError):
        services.ticket_transfer_owner(ticket=ticket, to_owner=other, actor=agent, reason=" ")
    services.ticket_transfer_owner(ticket=ticket, to_owner=other, actor=agent, reason="换班交接")
    ticket.refresh_from_db()
    assert ticket.owner == other and TicketOwnerChange.objects.get(ticket=ticket).reason == "换班交接"
    assert AuditEntry.objects.filter(object_id=str(ticket.pk), changes__reason__1="换班交接").exists()


def test_repeat_complaint_is_flagged_and_raised_and_angry_words_are_a_regulator_risk(zhang, agent):
    first = services.ticket_open(customer=zhang, ticket_type="complaint", description="扣费有误", owner=agent)
    assert not first.is_repeat and hours(first) == 48
    second = services.ticket_open(customer=zhang, ticket_type="complaint", description="还是扣错了，要去工信部投诉",
                                  owner=agent)  # fmt: skip
    assert second.is_repeat and second.priority > first.priority
    assert second.regulator_risk and {"repeat", "angry_wording", "high_level"} <= set(second.risk_reasons)
    regulator = services.ticket_open(customer=zhang, ticket_type="regulator_complaint", description="工信部转办",
                                     owner=agent)  # fmt: skip
    assert hours(regulator) == 24


def test_fault_with_site_visit_opens_a_repair_work_order_and_is_resolved_by_it(zhang, network, agent, signature):
    broadband = line(zhang, "bb-300", "ad0551000000009")
    zhang.grid, zhang.area = network.grid, network.urban
    zhang.save()
    ticket = services.ticket_open(customer=zhang, ticket_type="fault", description="光猫红灯", owner=agent,
                                  product=broadband, needs_site_visit=True)  # fmt: skip
    wo = ticket.work_order
    assert (
        ticket.status == "inProgress"
        and wo.order is None
        and wo.customer == zhang
        and wo.work_type == "fault_broadband"
    )
    assert wo.state == "assigned" and wo.team == network.crew  # the only crew of the grid
    work_services.field_start(work_order=wo, technician=network.technician)
    work_services.field_finish(work_order=wo, technician=network.technician, signature=signature, rating=5,
                               notes="更换光猫")  # fmt: skip
    ticket.refresh_from_db()
    assert WorkOrder.objects.get(pk=wo.pk).state == "completed"
    assert ticket.status == "resolved" and "更换光猫" in ticket.resolution


def test_faults_in_a_declared_outage_join_its_ticket_and_close_with_it(zhang, people, network, agent):
    from orders.models import ProductOrder

    broadband = line(zhang, "bb-300", "ad0551000000010")
    order = ProductOrder.objects.create(order_no="D0", order_type="new", customer=zhang, channel="own_hall",
                                        region=zhang.region)  # fmt: skip
    reservation = port_reserve(order=order, address=network.address)
    reservation.product, reservation.state = broadband, "in_use"
    reservation.save()
    outage = services.outage_declare(title="瑶海OLT-1 板卡故障", region=zhang.region, actor=network.dispatcher,
                                     access_point=network.olt, notify=False)  # fmt: skip
    assert outage.parent_ticket is not None and outage.parent_ticket.severity == "critical"
    child = services.ticket_open(customer=zhang, ticket_type="fault", description="上不了网", owner=agent,
                                 product=broadband, needs_site_visit=True)  # fmt: skip
    assert child.parent == outage.parent_ticket and child.work_order is None  # no crew sent one by one
    services.outage_resolve(outage=outage, actor=network.dispatcher, resolution="更换板卡")
    child.refresh_from_db()
    assert child.status == "resolved" and "更换板卡" in child.resolution


def test_callbacks_in_the_future_and_missed_ones_escalated_once(zhang, agent):
    with pytest.raises(ValueError):
        services.callback_schedule(customer=zhang, agent=agent, due_at=timezone.now(), phone="18955512345")
    callback = services.callback_schedule(customer=zhang, agent=agent, phone="18955512345",
                                          due_at=timezone.now() + datetime.timedelta(hours=1))  # fmt: skip
    later = timezone.now() + datetime.timedelta(hours=2)
    assert services.callbacks_sweep(now=later) == [callback.pk] and services.callbacks_sweep(now=later) == []
    assert Callback.objects.get(pk=callback.pk).state == "missed"
    services.callback_done(callback=callback, agent=agent, note="已回电")
    assert Callback.objects.get(pk=callback.pk).state == "done"


def test_a_call_pops_the_customer_by_phone_or_service_number_and_lands_on_the_timeline(zhang, agent):
    call = services.call_incoming(call_id="c-1", calling_number="18955512345", agent=agent)
    assert call.customer == zhang and services.call_incoming(call_id="c-1", calling_number="x", agent=agent) == call
    line(zhang, "fix-basic", "055166661234")
    assert services.call_incoming(call_id="c-2", calling_number="055166661234", agent=agent).customer == zhang
    assert services.call_incoming(call_id="c-3", calling_number="13000000000", agent=agent).customer is None
    call = services.call_wrap_up(call=call, agent=agent, interaction_type="inquiry", notes="咨询套餐")
    assert call.state == "ended" and call.interaction.customer == zhang and call.duration_seconds >= 0


def test_a_satisfied_survey_closes_the_resolved_ticket_and_a_not_solved_one_reopens_it(zhang, agent):
    from feedback.models import SurveyInvitation
    from feedback.services import survey_answer, survey_send

    def answered(ticket, solved: bool):
        invitation = survey_send(ticket=TroubleTicket.objects.get(pk=ticket.pk))
        questions = list(invitation.survey.questions.order_by("seq"))
        values = {q.pk: (solved if q.kind == "yes_no" else 5 if q.kind == "rating" else "") for q in questions}
        return survey_answer(invitation=SurveyInvitation.objects.get(pk=invitation.pk), answers=values)

    for solved, expected in ((True, "closed"), (False, "inProgress")):
        ticket = services.ticket_open(customer=zhang, ticket_type="complaint", description="话费疑问", owner=agent)
        services.ticket_transition(ticket=ticket, status="resolved", actor=agent, resolution="已解释并退费")
        answered(ticket, solved)
        assert TroubleTicket.objects.get(pk=ticket.pk).status == expected


def test_a_breached_ticket_is_escalated_to_the_owner_and_lead_once(
    zhang, agent, make_staff, django_capture_on_commit_callbacks
):
    from crm.accounts.models import OrgUnit
    from crm.messaging.models import OutboundMessage
    from crm.sla.models import SlaBreach

    lead = make_staff("manager")
    lead.staff_profile.phone = "13900000088"
    lead.staff_profile.save()
    team = OrgUnit.objects.create(code="HOT-1", name="10000号一班", kind="hotline_team", region=zhang.region, lead=lead)
    agent.staff_profile.org_unit, agent.staff_profile.phone = team, "13900000055"
    agent.staff_profile.save()
    ticket = services.ticket_open(customer=zhang, ticket_type="fault", description="宽带断线", owner=agent,
                                  product=line(zhang, "bb-300", "ad0551000000066"))  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        services.tickets_sla_sweep(now=ticket.due_at + datetime.timedelta(minutes=1))
        services.tickets_sla_sweep(now=ticket.due_at + datetime.timedelta(minutes=6))
    ticket.refresh_from_db()
    assert ticket.escalated_at is not None
    assert SlaBreach.objects.get(object_id=ticket.pk, kind="resolution").escalated_to == sorted(
        [agent.username, lead.username])  # fmt: skip
    sent = OutboundMessage.objects.filter(purpose="ticket_escalation")
    assert sorted(sent.values_list("recipient", flat=True)) == ["13900000055", "13900000088"]
