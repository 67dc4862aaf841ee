"""Portal service pages: a fault report or complaint opens a call-centre ticket with the hotline's deadline; the
ticket list and detail show only mine (another customer's number is a 404); a waiting survey is linked; help shows
only public knowledge-base articles and the portal catalog's offers with prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from callcenter import services as callcenter_services
from callcenter.models import KnowledgeArticle, KnowledgeCategory, TroubleTicket
from crm.accounts.roles import Role
from customers.models import PartyInteraction
from tests.callcenter.conftest import complaint_limits  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seeded_rules(db):
    """The time limits and surveys the data migrations seed: a browser test earlier in the run may have flushed them."""
    from tests.orders.conftest import _reseed_migration_data

    _reseed_migration_data()


@pytest.fixture
def agent(make_staff):
    return make_staff(Role.CALL_AGENT)


def test_a_fault_report_opens_a_ticket_with_the_hotlines_deadline(portal_client, lines, agent, complaint_limits):  # noqa: F811
    client = portal_client("zhang")
    # given the hotline's deadline for the same fault on the same line
    hotline = callcenter_services.ticket_open(
        customer=lines["zhang"].customer, ticket_type="fault", description="电话打不通", owner=agent,
        product=lines["zhang"],
    )  # fmt: skip

    response = client.post(
        "/portal/tickets/new/",
        {"ticket_type": "fault", "product": lines["zhang"].service_number, "description": "手机没有信号"},
    )

    ticket = TroubleTicket.objects.exclude(pk=hotline.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/portal/tickets/{ticket.ticket_no}/"
    assert ticket.customer == lines["zhang"].customer and ticket.product == lines["zhang"]
    assert ticket.ticket_type == "fault" and ticket.due_at is not None
    assert ticket.due_at - ticket.sla_started_at == hotline.due_at - hotline.sla_started_at
    assert PartyInteraction.objects.filter(channel="portal", interaction_type="fault").count() == 1
    page = client.get(response["Location"])
    assert page.status_code == 200 and "手机没有信号" in page.content.decode()


def test_a_complaint_opens_a_ticket_with_the_hotlines_deadline(portal_client, lines, agent, complaint_limits):  # noqa: F811
    client = portal_client("zhang")
    hotline = callcenter_services.ticket_open(
        customer=lines["zhangw"].customer, ticket_type="complaint", description="话费疑问", owner=agent
    )

    response = client.post("/portal/tickets/new/", {"ticket_type": "complaint", "description": "营业员态度差"})

    ticket = TroubleTicket.objects.get(customer=lines["zhang"].customer)
    assert response.status_code == 302 and ticket.ticket_type == "complaint" and ticket.product is None
    assert ticket.due_at is not None
    assert ticket.due_at - ticket.sla_started_at == hotline.due_at - hotline.sla_started_at


def test_a_fault_needs_one_of_my_subscriptions(portal_client, lines, complaint_limits):  # noqa: F811
    client = portal_client("zhang")

    no_line = client.post("/portal/tickets/new/", {"ticket_type": "fault", "description": "坏了"})
    others = client.post(
        "/portal/tickets/new/",
        {"ticket_type": "fault", "product": lines["zhangw"].service_number, "description": "坏了"},
    )

    assert no_line.status_code == 400 and others.status_code == 400
    assert not TroubleTicket.objects.exists()


def test_the_list_and_detail_show_only_my_tickets(
    portal_client,
    lines,
    agent,
    complaint_limits,  # noqa: F811
    django_assert_max_num_queries,
):
    mine = callcenter_services.ticket_open(
        customer=lines["zhang"].customer, ticket_type="complaint", description="我的投诉", owner=agent
    )
    theirs = callcenter_services.ticket_open(
        customer=lines["zhangw"].customer, ticket_type="complaint", description="别人的投诉", owner=agent
    )
    client = portal_client("zhang")

    with django_assert_max_num_queries(8):
        listing = client.get("/portal/tickets/").content.decode()
    detail = client.get(f"/portal/tickets/{mine.ticket_no}/")

    assert mine.ticket_no in listing and theirs.ticket_no not in listing
    assert (
        detail.status_code == 200 and "Opened" in detail.content.decode() and "Acknowledged" in detail.content.decode()
    )
    assert client.get(f"/portal/tickets/{theirs.ticket_no}/").status_code == 404
    assert client.get("/portal/tickets/T2026NOSUCH/").status_code == 404


def test_pages_need_a_portal_login(client, lines):
    for url in ("/portal/tickets/", "/portal/tickets/new/", "/portal/help/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/portal/login/")


def test_a_waiting_survey_is_linked_and_an_answered_one_is_not(portal_client, lines, agent, complaint_limits):  # noqa: F811
    from feedback.models import SurveyInvitation
    from feedback.services import survey_send

    ticket = callcenter_services.ticket_open(
        customer=lines["zhang"].customer, ticket_type="complaint", description="话费疑问", owner=agent
    )
    callcenter_services.ticket_transition(ticket=ticket, status="resolved", actor=agent, resolution="已解释")
    invitation = survey_send(ticket=TroubleTicket.objects.get(pk=ticket.pk))
    assert invitation is not None
    client = portal_client("zhang")
    link = f"/portal/survey/{invitation.token}/"

    assert link in client.get("/portal/tickets/").content.decode()
    assert link in client.get(f"/portal/tickets/{ticket.ticket_no}/").content.decode()
    assert client.get(link).status_code == 200

    SurveyInvitation.objects.filter(pk=invitation.pk).update(status="expired")
    assert link not in client.get(f"/portal/tickets/{ticket.ticket_no}/").content.decode()


def test_help_shows_only_public_articles_searchable_and_the_offers_guide(portal_client, lines):
    from orders.models import ProductCatalog, ProductCategory, ProductOffering, ProductOfferingPrice

    category = KnowledgeCategory.objects.create(code="t-help", name="常见问题")
    public = KnowledgeArticle.objects.create(
        category=category, title="如何查询话费", body="发送CXHF到10001", is_public=True
    )
    KnowledgeArticle.objects.create(category=category, title="内部退费口径", body="仅限坐席", is_public=False)
    KnowledgeArticle.objects.create(
        category=category, title="下线的文章", body="旧", is_public=True, is_published=False
    )
    other = KnowledgeArticle.objects.create(category=category, title="宽带报障", body="重启光猫", is_public=True)
    shelf = ProductCategory.objects.create(code="t-portal-shelf", name="手机套餐")
    ProductCatalog.objects.create(code="portal", name="网上营业厅").categories.add(shelf)
    offering = ProductOffering.objects.create(
        code="t-guide-99", name="畅享99元套餐", specification=lines["zhang"].specification
    )
    offering.categories.add(shelf)
    ProductOfferingPrice.objects.create(
        offering=offering, name="月租", price_type="recurring", recurring_period="month", amount=Decimal("99")
    )
    client = portal_client("zhang")

    page = client.get("/portal/help/").content.decode()
    found = client.get("/portal/help/", {"q": "光猫"}).content.decode()

    assert public.title in page and other.title in page
    assert "内部退费口径" not in page and "下线的文章" not in page
    assert other.title in found and public.title not in found
    assert "畅享99元套餐" in page and "99.00" in page
    assert lines["zhang"].offering.name not in page  # not in the portal's catalog


def test_the_ticket_list_is_paged_20_at_a_time_newest_first(portal_client, lines, agent, complaint_limits):  # noqa: F811
    customer = lines["zhang"].customer
    made = [
        callcenter_services.ticket_open(customer=customer, ticket_type="complaint", description=f"投诉{n}", owner=agent)
        for n in range(21)
    ]
    client = portal_client("zhang")

    first = client.get("/portal/tickets/").content.decode()
    second = client.get("/portal/tickets/?page=2").content.decode()

    assert first.count('data-testid="ticket-T') == 20 and second.count('data-testid="ticket-T') == 1
    assert made[-1].ticket_no in first and made[0].ticket_no not in first  # newest first
    assert made[0].ticket_no in second
    assert 'data-testid="pager"' in first and 'href="?page=2"' in first and 'href="?page=1"' in second
    assert client.get("/portal/tickets/?page=99").content.decode().count('data-testid="ticket-T') == 1  # the last
