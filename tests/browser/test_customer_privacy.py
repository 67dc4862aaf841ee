"""Exports only where allowed: a clerk downloads a small list, a bulk one waits for a manager; an agent has no
export. An account manager works a key account from the portfolio."""

import pytest

from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from crm.ui.models import ExportApproval
from customers.models import Customer
from tests.browser.test_staff_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_clerk_exports_a_small_list_and_a_bulk_one_needs_approval(page, make_staff, people, hefei, settings):
    settings.CRM_EXPORT_WITHOUT_APPROVAL_ROWS = 1
    make_staff(Role.HALL_CLERK, region=hefei, username="counter2")
    log_in(page, "counter2")
    page.goto(page.base_url + "/customers/?q=张伟明")
    assert "张伟明" in page.inner_text("[data-testid=list]")
    with page.expect_download() as download:
        page.click("[data-testid=export-csv]")
    assert download.value.suggested_filename == "customers.csv"
    assert AuditEntry.objects.filter(action="export", actor__username="counter2").count() == 1

    page.goto(page.base_url + "/customers/")  # two Hefei customers: more than the limit of 1
    page.click("[data-testid=export-xlsx]")
    page.wait_for_selector("[data-testid=export-request]")
    page.fill("input[name=reason]", "营业厅季度客户核对")
    page.click("[data-testid=export-request] button[type=submit]")
    page.wait_for_selector("[data-testid=mine] >> text=customers")
    assert ExportApproval.objects.get(requester__username="counter2").status == "pending"
    assert page.locator("[data-testid=download]").count() == 0  # nothing to download before approval


def test_a_call_agent_sees_the_list_without_export(page, make_staff, people, hefei):
    make_staff(Role.CALL_AGENT, region=hefei, username="agent2")
    log_in(page, "agent2")
    page.goto(page.base_url + "/customers/")
    assert "张伟明" in page.inner_text("[data-testid=list]")
    assert page.locator("[data-testid=export-csv]").count() == 0


def test_account_manager_logs_a_visit_from_the_portfolio(page, make_staff, people, screenshot):
    manager = make_staff(Role.ACCOUNT_MANAGER, username="am1")
    Customer.objects.filter(pk=people["corp"].pk).update(account_manager=manager)
    log_in(page, "am1")
    page.goto(page.base_url + "/customers/portfolio/")
    page.click("text=C00000000003")
    page.wait_for_selector("[data-testid=key-account]")
    page.click("a[href$='/visit/new']")
    page.fill("input[name=purpose]", "续约洽谈")
    page.fill("input[name=visited_at]", "2026-11-20T10:00")
    page.click("[data-testid=key-account-form] button[type=submit]")
    page.wait_for_selector("[data-testid=visits] >> text=续约洽谈")
    screenshot(page, "key-account-360")
    assert people["corp"].visits.get().visitor == manager
