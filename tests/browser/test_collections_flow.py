"""The collection work list in a real browser: a clerk sees the arrears by age with the chart, opens a case, records
a promise to pay, and asks for a write-off through the confirmation; a supervisor approves it."""

import datetime

import pytest
from django.utils import timezone

from billing_sync.models import DunningCase
from billing_sync.services.dunning import dunning_run
from crm.accounts.roles import Role
from tests.billing_sync.conftest import dunning_policy, make_bill  # noqa: F401 - the policy and the bill factory
from tests.browser.test_staff_roles import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("dunning_policy"),
]


def test_clerk_works_a_case_and_a_supervisor_approves_the_write_off(
    page,
    people,
    make_staff,
    make_bill,  # noqa: F811
    screenshot,
    hefei,
):
    today = timezone.localdate()
    make_bill(
        people["zhang"].accounts.get(),
        "80.00",
        month=datetime.date(2026, 1, 1),
        due=today - datetime.timedelta(days=12),
    )
    make_bill(
        people["corp"].accounts.get(),
        "900.00",
        month=datetime.date(2026, 1, 1),
        due=today - datetime.timedelta(days=70),
    )
    dunning_run()
    case = DunningCase.objects.get(customer=people["zhang"])
    clerk = make_staff(Role.HALL_CLERK, username="collector1")
    make_staff(Role.MANAGER, username="supervisor1", region=hefei)
    page.on("dialog", lambda dialog: dialog.accept())

    log_in(page, clerk.username)
    page.click("nav a[href='/billing/collections/']")
    page.wait_for_selector("#collection-chart canvas")
    assert page.inner_text("[data-bucket='0-30'] td:nth-child(2)") == "1"
    assert page.inner_text("[data-bucket='61-90'] td:nth-child(3)") == "900.00"
    screenshot(page, "collections-list")

    page.click(f"a[href='/billing/collections/{case.pk}/']")
    promised = today + datetime.timedelta(days=10)
    page.fill("[data-testid=promise-form] input[name=promised_on]", promised.isoformat())
    page.fill("[data-testid=promise-form] input[name=amount]", "80")
    page.click("[data-testid=promise-form] button[type=submit]")
    page.wait_for_selector("[data-testid=promises] td")
    case.refresh_from_db()
    assert case.status == "paused" and case.paused_until == promised

    page.fill("[data-testid=write-off-request-form] textarea[name=reason]", "客户已出国，无法联系")
    page.click("[data-testid=write-off-request-form] button[type=submit]")
    page.wait_for_selector("[data-testid=pending-write-off]")
    assert page.locator("[data-testid=write-off-decide-form]").count() == 0  # not by the one who asked
    screenshot(page, "collections-case")

    page.context.clear_cookies()
    log_in(page, "supervisor1")
    page.goto(page.base_url + f"/billing/collections/{case.pk}/")
    page.click("[data-testid=write-off-decide-form] button[value=approve]")
    page.wait_for_selector("[data-testid=write-offs] td")
    case.refresh_from_db()
    assert case.status == "written_off" and case.arrears == 0
