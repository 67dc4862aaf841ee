"""Key accounts: contracts with renewal reminders, visit records, communication plans, the portfolio page."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from crm.accounts.roles import Role
from customers import services
from customers.models import CommunicationPlan, Customer, KeyAccountContract, PartyInteraction

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 22)


@pytest.fixture
def corp(people, make_staff):
    manager = make_staff(Role.ACCOUNT_MANAGER)
    Customer.objects.filter(pk=people["corp"].pk).update(account_manager=manager)
    people["corp"].refresh_from_db()
    return people["corp"]


def contract(customer, no, end, **kw):
    fields = {"start_date": end - datetime.timedelta(days=365), "value": Decimal("120000"), "sla_level": "3A", **kw}
    return KeyAccountContract.objects.create(
        contract_no=no, customer=customer, title="互联网专线服务合同", end_date=end, **fields
    )


def test_contract_constraints(corp):
    with pytest.raises(IntegrityError), transaction.atomic():
        contract(corp, "HT-1", TODAY, start_date=TODAY)  # ends on its start day
    with pytest.raises(IntegrityError), transaction.atomic():
        contract(corp, "HT-2", TODAY, sla_level="gold")  # a public level
    with pytest.raises(IntegrityError), transaction.atomic():
        contract(corp, "HT-3", TODAY, value=Decimal("-1"))
    assert not KeyAccountContract.objects.exists()


def test_the_daily_sweep_expires_ended_contracts_and_reminds_once(corp):
    ended = contract(corp, "HT-OLD", TODAY - datetime.timedelta(days=1))
    due = contract(corp, "HT-DUE", TODAY + datetime.timedelta(days=30))
    later = contract(corp, "HT-LATER", TODAY + datetime.timedelta(days=200))
    result = services.contracts_sweep(today=TODAY)
    assert result.expired == 1 and result.reminded == [due.pk]
    assert KeyAccountContract.objects.get(pk=ended.pk).status == "expired"
    assert KeyAccountContract.objects.get(pk=later.pk).reminded_at is None
    reminder = PartyInteraction.objects.get(customer=corp, interaction_type="renewal_due")
    assert reminder.status == "open" and reminder.staff == corp.account_manager
    assert services.contracts_sweep(today=TODAY).reminded == []


def test_a_visit_goes_on_the_timeline_and_moves_the_plan_on(corp):
    plan = CommunicationPlan.objects.create(
        customer=corp, owner=corp.account_manager, topic="季度走访", channel="field", frequency="quarterly",
        next_due_on=timezone.localdate(),
    )  # fmt: skip
    visit = services.account_visit_record(customer=corp, visitor=corp.account_manager, visited_at=timezone.now(),
                                          purpose="续约洽谈", summary="客户同意续约三年")  # fmt: skip
    timeline = PartyInteraction.objects.get(customer=corp, interaction_type="visit")
    assert timeline.reason == "续约洽谈" and timeline.related_entities == [
        {"@referredType": "AccountVisit", "id": str(visit.pk)}
    ]
    plan.refresh_from_db()
    assert plan.next_due_on == timezone.localdate() + datetime.timedelta(days=91)


def test_public_customers_have_no_contracts_or_visits(people, make_staff):
    with pytest.raises(ValueError):
        services.account_visit_record(customer=people["zhang"], visitor=make_staff(Role.ACCOUNT_MANAGER),
                                      visited_at=timezone.now(), purpose="x")  # fmt: skip
    assert not PartyInteraction.objects.exists()


def test_the_portfolio_shows_the_managers_accounts_and_renewals(client, corp, make_staff):
    contract(corp, "HT-SOON", timezone.localdate() + datetime.timedelta(days=20))
    client.force_login(corp.account_manager)
    html = client.get("/customers/portfolio/").content.decode()
    assert "合肥华信科技有限公司" in html and "HT-SOON" in html
    client.force_login(make_staff(Role.ACCOUNT_MANAGER))  # a colleague with no accounts
    assert "合肥华信科技有限公司" not in client.get("/customers/portfolio/").content.decode()


def test_the_visit_form_validates_and_saves(client, corp):
    client.force_login(corp.account_manager)
    url = f"/customers/{corp.customer_no}/visit/new"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"kind": "on_site", "visited_at": "", "purpose": ""})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    good = client.post(url, {"kind": "on_site", "visited_at": "2026-11-20T10:00", "purpose": "满意度回访"})
    assert good.status_code == 302 and corp.visits.get().purpose == "满意度回访"
    page = client.get(f"/customers/{corp.customer_no}/").content.decode()
    assert "满意度回访" in page and 'data-testid="key-account"' in page


def test_the_account_managers_home_lists_renewals_and_planned_contacts(client, corp):
    contract(corp, "HT-HOME", timezone.localdate() + datetime.timedelta(days=45))
    CommunicationPlan.objects.create(customer=corp, owner=corp.account_manager, topic="月度业务沟通", channel="field",
                                     frequency="monthly", next_due_on=timezone.localdate())  # fmt: skip
    client.force_login(corp.account_manager)
    html = client.get("/").content.decode()
    assert 'data-testid="home-renewals"' in html and "HT-HOME" in html and "月度业务沟通" in html
