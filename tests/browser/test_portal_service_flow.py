"""A customer on a phone (375×812) logs in to the portal, subscribes a value-added service, reports a fault on their
line; staff resolve the ticket through the call centre's service, which sends the satisfaction survey; the customer
opens it from the portal's ticket page, answers it, and the ticket shows closed. Another customer's ticket is not
found and their line is not offered."""

import pytest
from django.core.cache import cache
from django.utils import translation

from callcenter import services as callcenter_services
from callcenter.models import TroubleTicket
from crm.accounts.roles import Role
from feedback.models import SurveyInvitation
from orders.models import ProductOrder
from tests.browser.test_portal_signup import phone_page  # noqa: F401 - the 375×812 page fixture
from tests.customers.conftest import subscribe  # noqa: F401 - the subscription fixture
from tests.orders.conftest import catalog  # noqa: F401 - VAS offerings, work-order templates, SLA and surveys
from tests.portal.conftest import PASSWORD, lines, sign_up  # noqa: F401 - the lines and the signed-up account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_customer_subscribes_a_vas_reports_a_fault_and_answers_the_survey_on_a_phone(
    phone_page,  # noqa: F811
    lines,  # noqa: F811
    sign_up,  # noqa: F811
    catalog,  # noqa: F811
    make_staff,
    screenshot,
):
    cache.clear()  # the portal's throttles
    page = phone_page
    line, their_line = lines["zhang"], lines["zhangw"]
    account = sign_up("zhang")
    agent = make_staff(Role.CALL_AGENT)
    theirs = callcenter_services.ticket_open(
        customer=their_line.customer, ticket_type="complaint", description="别人的投诉", owner=agent
    )

    # Log in.
    page.goto(page.base_url + "/portal/")
    page.wait_for_selector("[data-testid=login-form]")
    page.fill("#id_login", account.login)
    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=login-form] button[type=submit]")
    page.wait_for_selector("[data-testid=subscriptions]")

    # Subscribe a value-added service on my line; only my lines are offered.
    page.goto(page.base_url + "/portal/vas/")
    page.wait_for_selector(f"[data-testid=line-{line.product_no}]")
    assert not page.query_selector(f"[data-testid=line-{their_line.product_no}]")
    assert their_line.service_number not in page.inner_text("main")
    page.click(f"[data-testid=vas-add-{line.product_no}]")
    page.wait_for_selector("[data-testid=order-form]")
    assert line.service_number in page.inner_text("[data-testid=order-product]")
    page.select_option("#id_offering", "vas-cloud")
    no_sideways_scrolling(page)
    screenshot(page, "portal-vas-subscribe-phone")
    page.click("[data-testid=order-submit]")
    page.wait_for_url("**/portal/orders/")
    order = ProductOrder.objects.get(order_type="vas_add", customer=line.customer)
    assert order.channel == "portal" and order.state == "completed"
    vas = order.items.get().product
    assert vas.status == "active" and vas.offering.code == "vas-cloud"
    page.goto(page.base_url + "/portal/vas/")
    item = page.wait_for_selector(f"[data-testid=line-{line.product_no}] [data-testid=vas-{vas.product_no}]")
    assert vas.offering.name in item.inner_text()
    assert page.query_selector(f"[data-testid=vas-remove-{vas.product_no}]")  # subscribed: it can be unsubscribed
    no_sideways_scrolling(page)

    # Report a fault on my line.
    page.goto(page.base_url + "/portal/tickets/")
    page.click("[data-testid=ticket-new]")
    page.wait_for_selector("[data-testid=ticket-form]")
    assert their_line.service_number not in page.inner_text("#id_product")
    page.check("#id_ticket_type_0")  # a fault
    page.select_option("#id_product", line.service_number)
    page.fill("#id_description", "手机没有信号，无法打电话")
    no_sideways_scrolling(page)
    screenshot(page, "portal-fault-report-phone")
    page.click("[data-testid=ticket-submit]")
    page.wait_for_selector("[data-testid=messages]")
    ticket = TroubleTicket.objects.get(customer=line.customer)
    assert ticket.ticket_type == "fault" and ticket.product == line and ticket.due_at is not None
    assert ticket.status == "acknowledged" and ticket.is_open
    assert page.url.endswith(f"/portal/tickets/{ticket.ticket_no}/")
    assert ticket.ticket_no in page.inner_text("[data-testid=messages]")
    assert "手机没有信号" in page.inner_text(f"[data-testid=ticket-{ticket.ticket_no}]")
    assert page.query_selector("[data-testid=promised]")
    page.goto(page.base_url + "/portal/tickets/")
    row = page.wait_for_selector(f"[data-testid=ticket-{ticket.ticket_no}]")
    assert line.service_number in row.inner_text()
    assert not page.query_selector(f"[data-testid=ticket-{theirs.ticket_no}]")
    assert page.goto(page.base_url + f"/portal/tickets/{theirs.ticket_no}/").status == 404
    assert "别人的投诉" not in page.content()

    # Staff resolve it through the call centre's service; the survey is sent (after commit).
    callcenter_services.ticket_transition(ticket=ticket, status="resolved", actor=agent, resolution="基站故障已修复")
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    assert invitation.customer == line.customer and invitation.status != SurveyInvitation.Status.ANSWERED

    # The customer opens the survey from the ticket page and answers it.
    page.goto(page.base_url + "/portal/tickets/")
    assert page.query_selector(f"[data-testid=survey-{ticket.ticket_no}]")
    page.goto(page.base_url + f"/portal/tickets/{ticket.ticket_no}/")
    assert "基站故障已修复" in page.inner_text(f"[data-testid=ticket-{ticket.ticket_no}]")
    link = page.wait_for_selector("[data-testid=survey-link]")
    assert link.get_attribute("href") == f"/portal/survey/{invitation.token}/"
    link.click()
    page.wait_for_selector("[data-testid=survey-form]")
    no_sideways_scrolling(page)
    for fieldset in page.locator("[data-testid=survey-form] fieldset").all():
        options = fieldset.locator("label")
        options.nth(options.count() - 1 if options.count() == 5 else 0).click()  # the best rating / "yes"
    screenshot(page, "portal-survey-phone")
    page.click("[data-testid=survey-form] [data-testid=submit]")
    page.wait_for_selector("[data-testid=thanks]")
    invitation.refresh_from_db()
    ticket.refresh_from_db()
    assert invitation.status == SurveyInvitation.Status.ANSWERED and invitation.satisfied
    assert ticket.status == "closed" and ticket.closed_at is not None

    # The ticket shows closed, with no survey link any more.
    page.goto(page.base_url + f"/portal/tickets/{ticket.ticket_no}/")
    card = page.wait_for_selector(f"[data-testid=ticket-{ticket.ticket_no}]")
    with translation.override("zh-hans"):
        closed = str(TroubleTicket.Status.CLOSED.label)
    assert closed in card.inner_text()
    assert not page.query_selector("[data-testid=survey-link]")
    no_sideways_scrolling(page)
    screenshot(page, "portal-ticket-closed-phone")
    page.goto(page.base_url + "/portal/tickets/")
    row = page.wait_for_selector(f"[data-testid=ticket-{ticket.ticket_no}]")
    assert closed in row.inner_text()
    assert not page.query_selector(f"[data-testid=survey-{ticket.ticket_no}]")
