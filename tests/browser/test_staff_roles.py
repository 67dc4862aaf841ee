"""Each role logs in, sees its navigation and home, switches language and logs out, in a real browser."""

import csv
import io

import pytest

from crm.accounts.roles import Role
from crm.audit.services import audit_record
from tests.conftest import STAFF_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# (role, Chinese home text, English home text, nav items it must see, nav items it must not)
ROLES = [
    (Role.HALL_CLERK, "客户查询", "Customer lookup", {"home", "search"}, {"audit", "admin", "api-docs"}),
    (Role.CALL_AGENT, "来电", "Incoming call", {"home", "search"}, {"audit", "admin"}),
    (Role.DISPATCHER, "工单队列", "Work-order queues", {"home", "search"}, {"audit", "admin"}),
    (Role.FIELD_TECHNICIAN, "我今天的工单", "My work orders today", {"home"}, {"audit", "admin"}),
    (Role.ACCOUNT_MANAGER, "我的政企客户", "My key accounts", {"home", "search"}, {"audit", "admin"}),
    (Role.MARKETING_ANALYST, "客户细分与营销活动", "Segments and campaigns", {"home"}, {"audit", "admin"}),
    (Role.MANAGER, "关键指标", "Key figures", {"home", "audit"}, {"admin", "api-docs"}),
    (Role.ADMIN, "接口系统与令牌", "API clients and tokens", {"home", "audit", "admin", "api-docs"}, set()),
]


def log_in(page, username: str) -> None:
    page.goto(page.base_url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("[data-testid=home-title]")


@pytest.mark.parametrize("role,zh,en,must_see,must_not_see", ROLES, ids=[r[0] for r in ROLES])
def test_role_logs_in_sees_its_home_switches_language_and_logs_out(
    page, make_staff, screenshot, role, zh, en, must_see, must_not_see
):
    username = f"b_{role}"
    make_staff(role, username=username)
    log_in(page, username)

    assert zh in page.inner_text("main")
    nav = set(page.eval_on_selector_all("[data-nav]", "els => els.map(e => e.dataset.nav)"))
    assert must_see <= nav, nav
    assert not (must_not_see & nav), nav
    screenshot(page, f"home-{role}-zh")

    page.click("button[name=language][value=en]")
    page.wait_for_selector(f"text={en}")
    assert "Log out" in page.inner_text("header")
    page.click("button[name=language][value=zh-hans]")
    page.wait_for_selector(f"text={zh}")

    page.click("[data-testid=logout]")
    page.wait_for_selector("#id_username")
    assert "/accounts/login/" in page.url


def test_search_shortcut_focuses_the_box_and_shows_results(page, make_staff):
    make_staff(Role.HALL_CLERK, username="searcher")
    log_in(page, "searcher")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "global-search"
    page.keyboard.type("searcher")
    page.wait_for_selector("#search-popup [data-testid=search-results] >> text=searcher")


def test_manager_filters_the_audit_log_and_exports_it(page, make_staff, screenshot):
    manager = make_staff(Role.MANAGER, username="boss")
    audit_record(
        action="update", object_type="accounts.orgunit", object_id="77", object_repr="浏览器测试厅", actor=manager
    )
    log_in(page, "boss")
    page.click("[data-nav=audit]")
    page.fill("input[name=object_id]", "77")
    page.click("[data-testid=filters] button[type=submit]")
    page.wait_for_selector("table.list >> text=浏览器测试厅")
    assert page.locator("table.list tbody tr").count() == 1
    screenshot(page, "audit-log-manager")
    with page.expect_download() as download_info:
        page.click("[data-testid=export-csv]")
    content = download_info.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert "boss" in rows[0][0]  # the watermark line
    assert any("浏览器测试厅" in cell for cell in rows[2])
