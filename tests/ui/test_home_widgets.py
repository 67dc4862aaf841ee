"""The staff home's live widgets per role: real data from a small fixture, scoped to the user (their own orders,
tickets and accounts; their region's queues and figures), no placeholder text left, a bounded number of queries."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.models import AnalyticsJob, ChurnScore, FraudAlert, ModelVersion
from billing_sync.models import DunningCase
from callcenter.models import Callback, TroubleTicket
from crm.accounts.roles import Role
from customers.models import Customer, Party
from feedback.models import CareTask
from orders.eligibility import OrderRequest
from orders.models import ProductOffering, ProductOrder, WorkOrder
from orders.services import intake

pytestmark = pytest.mark.django_db

ALL_ROLES = [r.value for r in Role]
PLACEHOLDERS = ("arrives with", "arrive with", "will be listed here")


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"  # the tests read the English strings, not the catalogue's Chinese


# Queries the home page may run per role with the fixture's data (session, user, profile, navigation, recent activity
# and the role's widget); the widgets' reads are fixed in number, whatever the number of rows.
BUDGET = {
    Role.HALL_CLERK: 10,
    Role.CALL_AGENT: 10,
    Role.DISPATCHER: 11,
    Role.FIELD_TECHNICIAN: 10,
    Role.ACCOUNT_MANAGER: 16,
    Role.MANAGER: 15,
    Role.MARKETING_ANALYST: 13,
}


def home(client, user) -> str:
    client.force_login(user)
    role = user.staff_profile.role
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200
    if role in BUDGET:
        assert len(queries.captured_queries) <= BUDGET[role], [q["sql"][:200] for q in queries.captured_queries]
    return response.content.decode()


def submit(actor, customer, *, address):
    request = OrderRequest(
        order_type="new",
        customer=customer,
        offering=ProductOffering.objects.get(code="bb-500"),
        address=address,
        payment_method="cash",
    )
    return intake.order_submit(request=request, actor=actor)


@pytest.fixture
def zhang(people):
    customer = people["zhang"]
    customer.credit_rating = 70
    customer.save()
    return customer


# --- No placeholders ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
def test_no_role_home_promises_a_feature_that_arrives_later(client, make_staff, role):
    html = home(client, make_staff(role))
    assert not [p for p in PLACEHOLDERS if p in html], role


# --- Hall clerk ----------------------------------------------------------------------------------------------------


def test_clerk_sees_the_orders_they_took_today_not_a_colleagues(client, zhang, people, network, make_staff):
    mine = submit(network.clerk, zhang, address=network.address)
    colleague = make_staff(Role.HALL_CLERK)
    theirs = submit(colleague, people["corp"], address=network.county_address)
    yesterday = submit(network.clerk, people["corp"], address=network.address)
    ProductOrder.objects.filter(pk=yesterday.pk).update(created_at=timezone.now() - datetime.timedelta(days=1))

    html = home(client, network.clerk)

    assert mine.order_no in html and mine.get_state_display() in html
    assert theirs.order_no not in html and yesterday.order_no not in html
    assert 'data-testid="orders-today-count">1<' in html
    assert "/orders/new/" in html and "/orders/?created_after=" in html


# --- Call agent ----------------------------------------------------------------------------------------------------


def ticket(no, customer, owner, *, due_in_hours, status="acknowledged"):
    now = timezone.now()
    return TroubleTicket.objects.create(
        ticket_no=no,
        ticket_type="fault",
        customer=customer,
        description="断网",
        owner=owner,
        region=customer.region,
        status=status,
        sla_started_at=now - datetime.timedelta(hours=30),
        due_at=now + datetime.timedelta(hours=due_in_hours),
        resolved_at=now if status == "resolved" else None,
    )


def test_agent_sees_own_open_tickets_and_callbacks_due(client, people, make_staff):
    agent, other = make_staff(Role.CALL_AGENT), make_staff(Role.CALL_AGENT)
    zhang = people["zhang"]
    late = ticket("TT-HOME-1", zhang, agent, due_in_hours=-2)
    fine = ticket("TT-HOME-2", zhang, agent, due_in_hours=20)
    done = ticket("TT-HOME-3", zhang, agent, due_in_hours=5, status="resolved")
    someone_elses = ticket("TT-HOME-4", zhang, other, due_in_hours=5)
    now = timezone.now()
    Callback.objects.create(
        customer=zhang, agent=agent, phone="18955512345", due_at=now - datetime.timedelta(minutes=5), ticket=late
    )
    Callback.objects.create(customer=zhang, agent=other, phone="18955512345", due_at=now)
    Callback.objects.create(customer=zhang, agent=agent, phone="18955512345", due_at=now + datetime.timedelta(days=2))

    html = home(client, agent)

    assert late.ticket_no in html and fine.ticket_no in html
    assert done.ticket_no not in html and someone_elses.ticket_no not in html
    assert 'data-testid="my-tickets-count">2<' in html and "1 overdue" in html
    assert 'data-testid="callbacks-count">1<' in html and html.count('data-testid="callback"') == 1
    assert "/callcenter/" in html


# --- Dispatcher ----------------------------------------------------------------------------------------------------


@pytest.fixture
def queue(zhang, people, network, wuhu):
    """Four Hefei work orders (open and overdue, assigned and warned, held, completed today) and one in Wuhu."""
    now = timezone.now()
    addresses = [network.address] * 3 + [network.county_address]  # an OLT has four ports
    wos = [submit(network.clerk, zhang, address=address).work_orders.get() for address in addresses]
    outside = submit(network.clerk, people["corp"], address=network.county_address).work_orders.get()
    started = now - datetime.timedelta(hours=20)
    WorkOrder.objects.filter(pk=wos[0].pk).update(
        state="open", team=None, technician=None, sla_started_at=started, due_at=now - datetime.timedelta(hours=1)
    )
    WorkOrder.objects.filter(pk=wos[1].pk).update(
        state="assigned", sla_started_at=started, warned_at=now, due_at=now + datetime.timedelta(hours=2)
    )
    WorkOrder.objects.filter(pk=wos[2].pk).update(
        state="held", sla_started_at=started, paused_at=now, due_at=now + datetime.timedelta(hours=30)
    )
    WorkOrder.objects.filter(pk=wos[3].pk).update(
        state="completed",
        completed_at=now,
        sla_started_at=started,
        sla_stopped_at=now,
        due_at=now + datetime.timedelta(hours=3),
    )
    WorkOrder.objects.filter(pk=outside.pk).update(
        state="open",
        region=wuhu,
        grid=None,
        team=None,
        technician=None,
        sla_started_at=started,
        due_at=now - datetime.timedelta(hours=5),
    )
    return [WorkOrder.objects.get(pk=wo.pk) for wo in wos], WorkOrder.objects.get(pk=outside.pk)


def test_dispatcher_sees_queue_counts_and_sla_warnings_of_the_region(client, queue, network):
    (overdue, warned, held, completed), outside = queue

    html = home(client, network.dispatcher)

    for state, n in (("open", 1), ("assigned", 1), ("inProgress", 0), ("held", 1), ("completed-today", 1)):
        assert f'data-testid="queue-{state}">{n}<' in html, state
    assert 'data-testid="past-due">1<' in html and 'data-testid="near-due">1<' in html
    # Soonest deadline first: the overdue one, then the warned one; the paused and the finished ones are not warnings
    warnings = [line.split('"')[0] for line in html.split('data-testid="sla-warning" data-wo="')[1:]]
    assert warnings == [overdue.wo_no, warned.wo_no]
    assert outside.wo_no not in html and held.wo_no not in html and completed.wo_no not in html
    assert "/orders/dispatch/?overdue=on" in html


# --- Field technician ----------------------------------------------------------------------------------------------


def test_technician_sees_todays_work_of_their_crew_only(client, zhang, network, make_staff):
    wo = submit(network.clerk, zhang, address=network.address).work_orders.get()
    appointment = timezone.localtime().replace(hour=15, minute=30, second=0, microsecond=0)
    WorkOrder.objects.filter(pk=wo.pk).update(appointment_at=appointment)

    html = home(client, network.technician)
    assert f'data-wo="{wo.wo_no}"' in html and f"/orders/field/{wo.wo_no}/" in html
    assert "1 appointment today" in html and network.address.text in html

    stranger = make_staff(Role.FIELD_TECHNICIAN, org_unit=network.county_crew)
    assert wo.wo_no not in home(client, stranger)


# --- Account manager -----------------------------------------------------------------------------------------------


@pytest.fixture
def churn_model(db):
    today = timezone.localdate()
    return ModelVersion.objects.create(
        kind="churn", version=1, algorithm="lr", train_from=today, train_to=today, file="churn-1.joblib"
    )


def score(customer, model, band, probability):
    return ChurnScore.objects.create(
        as_of=timezone.localdate(),
        customer=customer,
        model=model,
        band=band,
        probability=probability,
        region_id=customer.region_id,
    )


def test_account_manager_sees_care_tasks_and_churn_risk_of_own_accounts(client, people, make_staff, churn_model):
    manager_user = make_staff(Role.ACCOUNT_MANAGER)
    corp = people["corp"]
    corp.account_manager = manager_user
    corp.save()
    now = timezone.now()
    soon = CareTask.objects.create(
        customer=corp, kind="retention", region=corp.region, due_at=now + datetime.timedelta(days=2), note="续约回访"
    )
    CareTask.objects.create(
        customer=corp, kind="retention", region=corp.region, due_at=now + datetime.timedelta(days=30), note="下季度回访"
    )
    CareTask.objects.create(
        customer=people["zhang"], kind="retention", region=corp.region, due_at=now, note="别人的客户"
    )
    score(corp, churn_model, "high", 0.83)
    score(people["zhang"], churn_model, "high", 0.91)  # high risk, but not a key account of this manager
    party = Party.objects.create(kind="organization", name="合肥别家公司", credit_code="91340100MA2N000001")
    colleagues = Customer.objects.create(
        customer_no="C00000000099",
        party=party,
        region=corp.region,
        customer_class="key_account",
        service_level="3A",
        account_manager=make_staff(Role.ACCOUNT_MANAGER),
    )
    score(colleagues, churn_model, "high", 0.95)

    html = home(client, manager_user)

    assert f'data-care-task="{soon.pk}"' in html and "续约回访" in html
    assert "下季度回访" not in html and "别人的客户" not in html
    assert 'data-testid="care-task-count">1<' in html
    assert 'data-testid="churn-risk-count">1<' in html and "83 %" in html
    assert "张伟明" not in html and "合肥别家公司" not in html
    assert "/analytics/churn/worklist/?band=high&amp;mine=true" in html


# --- Manager -------------------------------------------------------------------------------------------------------


@pytest.fixture
def figures(zhang, people, network, churn_model, wuhu):
    """Hefei: two work orders finished today (one late, under a 99 % target), two open tickets (one late), a collection
    case of 120.50, an open and a dismissed fraud alert, a high churn risk. Wuhu: one of each, never counted."""
    from crm.sla.models import ServiceLimit

    now = timezone.now()
    limit = ServiceLimit.objects.filter(target_percent=99).first()
    on_time, late = (submit(network.clerk, zhang, address=network.address).work_orders.get() for _ in range(2))
    started = now - datetime.timedelta(hours=5)
    WorkOrder.objects.filter(pk=on_time.pk).update(
        state="completed",
        completed_at=now,
        sla_limit=limit,
        sla_started_at=started,
        sla_stopped_at=now,
        due_at=now + datetime.timedelta(hours=1),
    )
    WorkOrder.objects.filter(pk=late.pk).update(
        state="completed",
        completed_at=now,
        sla_limit=limit,
        sla_started_at=started,
        sla_stopped_at=now,
        due_at=now - datetime.timedelta(hours=1),
    )
    agent = network.clerk  # any staff member may own a ticket for these counts
    ticket("TT-MGR-1", zhang, agent, due_in_hours=-1)
    ticket("TT-MGR-2", zhang, agent, due_in_hours=10)
    ticket("TT-MGR-3", zhang, agent, due_in_hours=-1, status="resolved")
    ticket("TT-MGR-W", people["zhangw"], agent, due_in_hours=-1)
    for customer, amount in ((zhang, "120.50"), (people["zhangw"], "999.00")):
        DunningCase.objects.create(
            account=customer.accounts.first(),
            customer=customer,
            region=customer.region,
            overdue_since=timezone.localdate() - datetime.timedelta(days=40),
            arrears=Decimal(amount),
            arrears_at_open=Decimal(amount),
            opened_at=now,
        )
    for n, (customer, status) in enumerate(((zhang, "open"), (zhang, "dismissed"), (people["zhangw"], "open"))):
        FraudAlert.objects.create(
            alert_no=f"FA-HOME-{n}",
            detector=f"test{n}",
            customer=customer,
            subject=customer.customer_no,
            day=timezone.localdate(),
            region_id=customer.region_id,
            severity="high",
            reason_code="test",
            status=status,
            reviewed_at=None if status == "open" else now,
        )
    score(zhang, churn_model, "high", 0.7)
    score(people["corp"], churn_model, "low", 0.1)
    score(people["zhangw"], churn_model, "high", 0.8)
    return limit


def test_regional_manager_sees_the_key_figures_of_their_region(client, figures, make_staff, hefei):
    html = home(client, make_staff(Role.MANAGER, region=hefei))

    on_time = html.split('data-testid="figure-on-time">')[1].split("</dd>")[0]
    assert "50.0 %" in on_time and "target 99.0 %" in on_time and "1 late of 2 finished" in on_time
    tickets = html.split('data-testid="figure-tickets">')[1].split("</dd>")[0]
    assert "<strong>2</strong>" in tickets and "1 overdue" in tickets
    assert "120.50" in html.split('data-testid="figure-arrears">')[1].split("</dd>")[0]
    assert 'data-testid="figure-fraud"><strong>1</strong>' in html
    assert 'data-testid="figure-churn"><strong>1</strong>' in html
    for link in (
        "/analytics/dashboards/ops/",
        "/analytics/dashboards/finance/",
        "/analytics/dashboards/customers/",
        "/analytics/fraud/",
        "/analytics/churn/worklist/?band=high",
        "/callcenter/supervisor/",
    ):
        assert link in html, link


def test_province_manager_counts_every_region(client, figures, make_staff):
    html = home(client, make_staff(Role.MANAGER))
    assert "<strong>3</strong>" in html.split('data-testid="figure-tickets">')[1].split("</dd>")[0]
    assert "1,119.50" in html.split('data-testid="figure-arrears">')[1].split("</dd>")[0]
    assert 'data-testid="figure-fraud"><strong>2</strong>' in html
    assert 'data-testid="figure-churn"><strong>2</strong>' in html


# --- Marketing analyst ---------------------------------------------------------------------------------------------


def test_analyst_sees_segments_churn_fraud_and_jobs(client, people, make_staff, churn_model):
    Customer.objects.filter(pk__in=[people["zhang"].pk, people["zhangw"].pk]).update(segment="loyal")
    Customer.objects.filter(pk=people["corp"].pk).update(segment="champions")
    score(people["zhang"], churn_model, "high", 0.9)
    job = AnalyticsJob.objects.create(
        kind="churn_score", run_key="churn_score:home", as_of=timezone.localdate(), status="failed"
    )

    html = home(client, make_staff(Role.MARKETING_ANALYST))

    segments = [line.split('"')[0] for line in html.split('data-segment="')[1:]]
    assert segments == ["loyal", "champions"]
    assert "<strong>2</strong>" in html.split('data-segment="loyal"')[1].split("</li>")[0]
    assert 'data-testid="figure-churn"><strong>1</strong>' in html
    assert 'data-testid="figure-fraud"><strong>0</strong>' in html
    assert f"/analytics/jobs/{job.pk}/" in html and "Failed" in html
    for link in ("/analytics/segments/", "/analytics/churn/worklist/", "/analytics/fraud/", "/analytics/jobs/"):
        assert link in html, link
