"""The Content-Security-Policy breaks nothing: the home chart's inline script, the usage chart redrawn by htmx and the
erase confirmation all run under it, with no violation in the console; a manager erases a leaving customer's data."""

import datetime

import pytest

from crm.accounts.roles import Role
from customers.models import Party
from tests.browser.test_staff_roles import log_in
from tests.customers.conftest import subscribe  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_pages_run_under_the_csp_and_a_manager_erases_personal_data(page, make_staff, people, subscribe):  # noqa: F811
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    customer = people["zhang"]
    line = subscribe(customer, "59", number="18955512345")
    make_staff(Role.MANAGER, username="csp_boss")

    log_in(page, "csp_boss")
    page.wait_for_selector("#activity-chart canvas", state="attached")  # the home page's inline chart script ran
    page.goto(page.base_url + f"/customers/{customer.customer_no}/")
    page.wait_for_selector("#usage-chart canvas", state="attached")
    # htmx swaps the usage panel for one line; the fragment's script runs with the page's nonce.
    with page.expect_response(lambda r: "usage" in r.url):
        page.select_option("[data-testid=usage-product]", index=1)
    page.wait_for_selector("#usage-chart canvas", state="attached")

    # The customer has left (a live line keeps the identity the real-name rules need).
    line.status, line.termination_date = "terminated", datetime.date(2026, 11, 30)
    line.save()
    page.reload()
    page.click("[data-testid=erase-panel] summary")
    page.fill("[data-testid=erase-reference]", "PIPL-2026-0100")
    dialogs = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.click("[data-testid=erase-submit]")
    assert dialogs and Party.objects.get(pk=customer.party_id).anonymized_at is None  # dismissed: nothing erased
    page.once("dialog", lambda d: d.accept())
    page.click("[data-testid=erase-submit]")
    page.wait_for_selector("[data-testid=erased]")
    assert "张伟明" not in page.inner_text("[data-testid=customer-name]")
    assert Party.objects.get(pk=customer.party_id).anonymized_at is not None
    assert violations == []
