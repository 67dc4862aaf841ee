"""The closed loop in a real browser: a clerk takes a broadband order for an existing customer, the customer signs
and the clerk prints the confirmation; a dispatcher assigns it; a technician finishes it on a phone with the
customer's signature and rating; the clerk sees it completed on the 360 page."""

import re

import pytest

from orders.models import ProductOrder, TeamCoverage
from tests.browser.test_staff_roles import log_in
from tests.orders.conftest import catalog, network  # noqa: F401 - the network, crews and catalog fixtures

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sign(page, canvas_selector: str) -> None:
    page.locator(canvas_selector).scroll_into_view_if_needed()
    box = page.locator(canvas_selector).bounding_box()  # viewport coordinates: the pad must be on screen
    page.mouse.move(box["x"] + 20, box["y"] + 60)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 18, box["y"] + 60 + (25 if step % 2 else -25))
    page.mouse.up()


def test_broadband_order_from_counter_to_field_and_back(page, browser, people, network, screenshot):  # noqa: F811
    zhang = people["zhang"]
    zhang.credit_rating = 70
    zhang.save()
    # A second crew covers the grid, so the work order waits for the dispatcher instead of being auto-assigned.
    second = network.crew.__class__.objects.create(code="CREW-YH-2", name="瑶海装维二班", kind="field_crew",
                                                   region=network.crew.region)  # fmt: skip
    TeamCoverage.objects.create(team=second, grid=network.grid)

    # The clerk starts from the 360 page.
    log_in(page, network.clerk.username)
    page.goto(page.base_url + f"/customers/{zhang.customer_no}/")
    page.click("[data-testid=new-order]")
    page.click("[data-testid=type-new]")
    page.fill("[data-testid=offering-search]", "500M")
    # broadband and a bundle (a function, not an expression string: Playwright evals those, and the CSP refuses eval)
    page.wait_for_function("() => document.querySelector('#id_offering').options.length === 2")
    page.select_option("#id_offering", label="光宽带 500M")
    page.fill("[data-testid=address-search]", "长江东路")
    page.wait_for_selector("#id_address option:has-text('长江东路100号')", state="attached")
    page.select_option("#id_payment_method", "cash")
    page.click("[data-testid=check]")
    page.wait_for_selector("[data-testid=checks]")
    assert page.inner_text("[data-testid=fee]") == "100.00"
    page.click("[data-testid=submit]")
    page.wait_for_selector("[data-testid=order-no]")
    order_no = page.inner_text("[data-testid=order-no]")
    order = ProductOrder.objects.get(order_no=order_no)
    assert order.state == "inProgress" and order.offering.code == "bb-500"

    sign(page, "[data-testid=signature-pad]")
    page.click("[data-testid=sign]")
    page.wait_for_selector("[data-testid=signature-panel] img")
    with page.context.expect_page() as printed:
        page.click("[data-testid=print]")
    confirmation = printed.value
    confirmation.wait_for_selector("[data-testid=printed-signature]")
    assert order_no in confirmation.inner_text("body") and "光宽带 500M" in confirmation.inner_text("body")
    screenshot(confirmation, "order-confirmation")
    confirmation.close()

    # The dispatcher assigns it to the first crew and its technician.
    wo = order.work_orders.get()
    page.click("[data-testid=logout]")
    log_in(page, network.dispatcher.username)
    page.goto(page.base_url + "/orders/dispatch/")
    card = page.locator(f"[data-wo={wo.wo_no}]")
    card.locator("summary").click()
    form = card.locator("[data-testid=assign-form]")
    form.wait_for()
    form.locator("select[name=team]").select_option(str(network.crew.pk))
    form.locator("select[name=technician]").select_option(str(network.technician.pk))
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"[data-testid=column-assigned] [data-wo={wo.wo_no}]")
    screenshot(page, "dispatch-board")
    wo.refresh_from_db()
    assert wo.state == "assigned" and wo.technician == network.technician

    # The technician finishes on a phone with the customer's signature and rating.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")  # a phone-sized screen
    tech = phone.new_page()
    tech.set_default_timeout(10_000)
    tech.base_url = page.base_url
    log_in(tech, network.technician.username)
    tech.goto(tech.base_url + "/orders/field/")
    tech.click(f"[data-testid=field-card][data-wo={wo.wo_no}]")
    tech.click("[data-testid=start-form] button[type=submit]")
    tech.wait_for_selector("[data-testid=finish-form]")
    tech.locator("[data-testid=finish-form] .rating-option", has_text="5").click()
    tech.fill("textarea[name=notes]", "光猫安装完成，测速 500M 达标")
    sign(tech, "#sig")
    screenshot(tech, "technician-receipt")
    tech.click("[data-testid=finish-form] button[type=submit]")
    tech.wait_for_selector("[data-testid=report-form]")
    phone.close()
    order.refresh_from_db()
    assert order.state == "completed" and order.product.status == "active"
    assert order.work_orders.get().rating == 5

    # The clerk sees it completed on the 360 page.
    page.click("[data-testid=logout]")
    log_in(page, network.clerk.username)
    page.goto(page.base_url + f"/customers/{zhang.customer_no}/")
    state = page.inner_text(f"[data-testid=order-state-{order_no}]")
    assert re.search("已完成|Completed", state)
    screenshot(page, "customer-360-order-completed")
