"""seed_demo's call-centre step: a year of hotline calls with their tickets, SLA, surveys and today's open work."""

import datetime
import io
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, F
from django.utils import timezone

from callcenter.demo_calls import DEMO_AGENT_OPEN, TYPE_MIX, seed_calls
from callcenter.models import Call, Callback, TicketStatusChange, TroubleTicket
from callcenter.services import fault_work_type
from crm.demo.engine import SeedContext
from crm.sla.clock import deadline
from crm.sla.models import SlaBreach
from crm.sla.selectors import limit_for, work_calendar
from customers.models import PartyInteraction
from feedback.models import CareTask, SurveyAnswer, SurveyInvitation

pytestmark = pytest.mark.django_db
CUSTOMERS = 2000
OPEN = ("acknowledged", "inProgress", "pending", "held")


@pytest.fixture
def seeded():
    # Up to the call centre (order 55): these tests read no billing data, which would cost most of the time.
    call_command("seed_demo", "--customers", str(CUSTOMERS), "--seed", "1", "--until-order", "55", stdout=io.StringIO())


def test_calls_come_in_the_asked_mix_each_on_the_timeline(seeded):
    calls = Call.objects.all()
    assert 0.07 * CUSTOMERS <= calls.count() <= 0.09 * CUSTOMERS
    counts = Counter(calls.values_list("interaction_type", flat=True))
    total = sum(counts.values())
    weight = sum(w for _t, w in TYPE_MIX)
    for call_type, w in TYPE_MIX:
        assert abs(counts[call_type] / total - w / weight) <= 0.02, call_type
    assert not calls.exclude(state="ended").exists()
    assert not calls.filter(reason__isnull=True).exists()
    now = timezone.now()
    year_ago = now - datetime.timedelta(days=367)
    for started, answered, ended, agent_region, customer_region in calls.values_list(
        "started_at", "answered_at", "ended_at", "agent__staff_profile__region_id", "customer__region_id"
    ):
        assert year_ago <= started < now
        assert started <= answered < ended
        assert 60 <= (ended - answered).total_seconds() <= 720
        assert agent_region == customer_region
    # Each call is on its customer's timeline: hotline, its type, the agent as staff.
    mismatched = calls.exclude(interaction__channel="hotline").count()
    assert mismatched == 0
    for call in calls.select_related("interaction")[:300]:
        interaction = call.interaction
        assert interaction.customer_id == call.customer_id
        assert interaction.interaction_type == call.interaction_type
        assert interaction.staff_id == call.agent_id
        assert interaction.occurred_at == call.started_at


def test_fault_reports_and_complaints_open_tickets_with_their_sla(seeded):
    tickets = TroubleTicket.objects.select_related("customer", "customer__area", "product__specification", "call")
    calls = Call.objects.filter(interaction_type__in=["fault_report", "complaint"])
    assert tickets.count() == calls.count()
    assert set(tickets.values_list("ticket_type", flat=True)) == {"fault", "complaint", "regulator_complaint"}
    assert tickets.filter(ticket_type="regulator_complaint").exists()
    assert tickets.filter(is_repeat=True, ticket_type="complaint").exists()
    cal = work_calendar()
    for ticket in tickets:
        assert ticket.ticket_no == f"T{timezone.localtime(ticket.created_at):%Y%m%d}{ticket.pk:08d}"
        assert ticket.call.customer_id == ticket.customer_id
        work_type, variant = fault_work_type(
            ticket.ticket_type, ticket.product, reported_at=ticket.sla_started_at, segment=ticket.customer.segment
        )
        limit = limit_for(
            work_type=work_type,
            area_kind=ticket.customer.area.kind if ticket.customer.area_id else "",
            service_level=ticket.customer.service_level,
            variant=variant,
        )
        assert limit is not None and ticket.sla_limit_id == limit.pk
        assert ticket.due_at == deadline(ticket.sla_started_at, limit.resolution_minutes, limit.clock, cal)
        if ticket.status in ("resolved", "closed"):
            assert ticket.resolved_at is not None and ticket.sla_stopped_at == ticket.resolved_at
        # Status history: opened first, the current status last.
        moves = list(ticket.status_changes.order_by("at", "id").values_list("from_status", "to_status"))
        assert moves[0] == ("", "acknowledged")
        assert moves[-1][1] == ticket.status


def test_mostly_closed_a_few_late_with_breach_rows(seeded):
    tickets = TroubleTicket.objects.all()
    total = tickets.count()
    statuses = Counter(tickets.values_list("status", flat=True))
    # About 2 % open, but at least the demo agent's (a big share of this small data set).
    still_open = sum(statuses[s] for s in OPEN)
    assert still_open <= round(0.02 * total) + DEMO_AGENT_OPEN
    assert statuses["closed"] + statuses["resolved"] == total - still_open
    assert statuses["closed"] > statuses["resolved"]
    finished = tickets.filter(resolved_at__isnull=False)
    late = finished.filter(breached_at__isnull=False)
    assert 1 <= late.count() <= round(0.03 * finished.count()) + 1
    ct = ContentType.objects.get_for_model(TroubleTicket)
    breaches = SlaBreach.objects.filter(content_type=ct)
    assert breaches.count() == late.count()
    for breach in breaches:
        ticket = tickets.get(pk=breach.object_id)
        assert ticket.resolved_at > ticket.due_at == breach.due_at
        assert breach.limit_id == ticket.sla_limit_id and breach.finished_at == ticket.resolved_at
    # Those resolved in time are not marked late.
    assert not finished.filter(breached_at__isnull=True, sla_stopped_at__gt=F("due_at")).exists()
    assert TicketStatusChange.objects.values("ticket").distinct().count() == total


def test_open_tickets_today_some_owned_by_the_demo_agent(seeded):
    agent = get_user_model().objects.get(username="agent")
    open_tickets = TroubleTicket.objects.filter(status__in=OPEN)
    total = TroubleTicket.objects.count()
    assert 0.01 * total <= open_tickets.count() <= 0.04 * total + 6
    mine = open_tickets.filter(owner=agent)
    assert mine.count() >= 5
    assert not mine.exclude(customer__region=agent.staff_profile.region).exists()
    now = timezone.now()
    assert not open_tickets.filter(due_at__lte=now).exists()  # still within their time
    assert not open_tickets.filter(created_at__lt=now - datetime.timedelta(days=3)).exists()


def test_surveys_with_answers_and_care_tasks_for_the_dissatisfied(seeded):
    resolved = TroubleTicket.objects.filter(resolved_at__isnull=False).count()
    invitations = SurveyInvitation.objects.filter(ticket__isnull=False)
    assert 0.25 <= invitations.count() / resolved <= 0.35
    assert not invitations.filter(ticket__resolved_at__isnull=True).exists()
    answered = invitations.filter(status="answered")
    assert answered.count() >= 0.8 * invitations.count()
    assert not answered.annotate(n=Count("answers")).exclude(n=3).exists()
    assert answered.filter(satisfied=True).count() > 0.75 * answered.count()
    unhappy = answered.filter(satisfied=False)
    assert unhappy.exists()
    assert CareTask.objects.filter(kind="survey_follow_up").count() == unhappy.count()
    for invitation in unhappy:
        assert CareTask.objects.filter(invitation=invitation, ticket=invitation.ticket_id).exists()
    low = SurveyAnswer.objects.filter(invitation__in=answered, rating__lt=4).values("invitation").distinct().count()
    assert low <= unhappy.count()
    assert invitations.values("ticket").distinct().count() == invitations.count()


def test_callbacks_due_today_for_the_demo_agent(seeded):
    agent = get_user_model().objects.get(username="agent")
    now = timezone.now()
    due = Callback.objects.filter(agent=agent, state="scheduled", due_at__gt=now)
    assert due.count() >= 3
    assert {timezone.localtime(c.due_at).date() for c in due} <= {
        timezone.localdate(),
        timezone.localdate() + datetime.timedelta(days=1),
    }
    assert not Callback.objects.filter(state="done", done_at__isnull=True).exists()


def test_every_ticket_is_on_its_customers_timeline(seeded):
    for ticket_no, customer_id, ticket_type in TroubleTicket.objects.values_list(
        "ticket_no", "customer_id", "ticket_type"
    ):
        call_type = "fault_report" if ticket_type == "fault" else "complaint"
        assert PartyInteraction.objects.filter(
            customer_id=customer_id,
            channel="hotline",
            interaction_type=call_type,
            related_entities__contains=[{"@referredType": "TroubleTicket", "id": ticket_no}],
        ).exists(), ticket_no


def test_seeding_again_adds_no_calls(seeded):
    before = Call.objects.count()
    seed_calls(SeedContext(customers=CUSTOMERS, seed=1, log=lambda _m: None))
    assert Call.objects.count() == before
