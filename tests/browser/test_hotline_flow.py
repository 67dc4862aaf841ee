"""The hotline's closed loop in a real browser: a simulated call pops the right customer; the agent logs a fault
report, which opens a ticket and a repair work order; the technician completes it; the customer answers the
survey; the ticket closes; the whole story is on the customer's timeline."""

import pytest

from callcenter.models import ReasonCategory, TroubleTicket
from crm.accounts.roles import Role
from feedback.models import SurveyInvitation
from orders.models import ProductOffering
from orders.services import product_create
from tests.browser.test_order_flow import sign
from tests.browser.test_staff_roles import log_in
from tests.orders.conftest import catalog, network  # noqa: F401 - the network, crews and catalog fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_call_fault_repair_survey_and_closure(page, browser, people, network, make_staff, screenshot):  # noqa: F811
    import importlib

    from django.apps import apps

    for migration in ("crm.sla.migrations.0003_complaint_limits", "callcenter.migrations.0003_reason_codes"):
        if migration.endswith("reason_codes") and ReasonCategory.objects.exists():
            continue
        importlib.import_module(migration).seed(apps, None)
    zhang = people["zhang"]
    zhang.area, zhang.grid = network.urban, network.grid
    zhang.save()
    broadband = product_create(customer=zhang, offering=ProductOffering.objects.get(code="bb-300"), status="active",
                               service_number="ad0551000000077", install_address=network.address.text)  # fmt: skip
    agent = make_staff(Role.CALL_AGENT, username="hotline1")

    # A call rings: the agent's desktop pops the caller's page.
    log_in(page, agent.username)
    page.goto(page.base_url + "/callcenter/")
    page.fill("[data-testid=simulate-call] input[name=calling_number]", "18955512345")
    page.click("[data-testid=simulate-call] button[type=submit]")
    page.wait_for_url("**/callcenter/calls/**", timeout=8_000)
    assert "张伟明" in page.inner_text("[data-testid=customer-name]")

    # The agent logs a fault report that needs a visit.
    reason = ReasonCategory.objects.get(code="flt-broadband-down")
    page.select_option("select[name=interaction_type]", "fault_report")
    page.wait_for_selector(f"#id_reason option[value='{reason.pk}']", state="attached")
    page.select_option("#id_reason", str(reason.pk))
    page.fill("textarea[name=notes]", "光猫红灯闪烁，无法上网")
    page.check("#id_open_ticket")
    page.select_option("#id_ticket_type", "fault")
    page.select_option("#id_product", str(broadband.pk))
    page.check("#id_needs_site_visit")
    screenshot(page, "hotline-call-wrap-up")
    page.click("[data-testid=wrap-up] button[type=submit].primary")
    page.wait_for_url("**/callcenter/")
    ticket = TroubleTicket.objects.get(customer=zhang)
    assert ticket.owner == agent and ticket.work_order is not None and ticket.status == "inProgress"

    # The technician completes the repair on a phone.
    wo = ticket.work_order
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    tech = phone.new_page()
    tech.set_default_timeout(10_000)
    tech.base_url = page.base_url
    log_in(tech, network.technician.username)
    tech.goto(tech.base_url + "/orders/field/")
    tech.click(f"[data-testid=field-card][data-wo={wo.wo_no}]")
    tech.click("[data-testid=start-form] button[type=submit]")
    tech.wait_for_selector("[data-testid=finish-form]")
    tech.locator("[data-testid=finish-form] .rating-option", has_text="5").click()
    tech.fill("textarea[name=notes]", "更换光猫，恢复上网")
    sign(tech, "#sig")
    tech.click("[data-testid=finish-form] button[type=submit]")
    tech.wait_for_selector("[data-testid=report-form]")
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and "更换光猫" in ticket.resolution

    # The customer answers the ticket's survey from the SMS link; the ticket closes.
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    tech.goto(tech.base_url + f"/portal/survey/{invitation.token}/")
    for fieldset in tech.locator("[data-testid=survey-form] fieldset").all():
        options = fieldset.locator("label")
        options.nth(options.count() - 1 if options.count() == 5 else 0).click()  # the best rating / "yes"
    tech.click("[data-testid=survey-form] [data-testid=submit]")
    tech.wait_for_load_state()
    screenshot(tech, "customer-survey-answered")
    phone.close()
    ticket.refresh_from_db()
    assert ticket.status == "closed"

    # The whole story is on the customer's timeline.
    types = set(zhang.interactions.values_list("interaction_type", flat=True))
    assert {"fault_report", "fault", "survey"} <= types  # the call, the ticket, the survey sent
    page.goto(page.base_url + f"/customers/{zhang.customer_no}/")
    timeline = page.inner_text("body")
    assert "fault_report" in timeline and "fault" in timeline
    screenshot(page, "customer-360-hotline-story")
