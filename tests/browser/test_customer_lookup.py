"""A clerk finds a customer by part of the name and by phone and reveals the ID (audited); so may a manager."""

import pytest

from crm.accounts.roles import Role
from crm.audit.models import AuditEntry
from tests.browser.test_staff_roles import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_clerk_searches_by_partial_name_and_phone_and_opens_the_360_view(page, make_staff, people, hefei, screenshot):
    make_staff(Role.HALL_CLERK, region=hefei, username="counter1")
    log_in(page, "counter1")
    page.keyboard.press("/")
    page.keyboard.type("伟明")
    page.click("#search-popup >> text=张伟明")
    page.wait_for_selector("[data-testid=customer-name] >> text=张伟明")
    assert page.inner_text("[data-testid=identifier]") == "1101**********002X"
    screenshot(page, "customer-360-clerk")
    page.click("[data-testid=reveal]")  # checking the ID card at the counter
    page.wait_for_selector("[data-testid=revealed] >> text=11010519491231002X")
    assert AuditEntry.objects.filter(action="view_personal_data", actor__username="counter1").count() == 1

    page.fill("#global-search", "18955512345")
    page.wait_for_selector("#search-popup >> text=189****2345")
    assert "张伟明" in page.inner_text("#search-popup")
    page.fill("#global-search", "18955500000")  # a Wuhu customer: not in a Hefei clerk's scope
    page.wait_for_selector("#search-popup >> text=18955500000")
    assert "张伟" not in page.inner_text("#search-popup")


def test_manager_reveals_an_id_number_and_it_is_audited(page, make_staff, people):
    make_staff(Role.MANAGER, username="boss360")
    log_in(page, "boss360")
    page.goto(page.base_url + "/customers/C00000000001/")
    page.click("[data-testid=reveal]")
    page.wait_for_selector("[data-testid=revealed] >> text=11010519491231002X")
    assert AuditEntry.objects.filter(action="view_personal_data", actor__username="boss360").count() == 1
