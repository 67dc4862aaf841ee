"""A manager opens the operations dashboard, drills down from the province to a region, a grid, a team and its late
work order by clicking table rows, and exports the late list, in a real browser."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone

from analytics.dashboards.marts import mart_refresh
from crm.accounts.models import Area, Grid, OrgUnit
from crm.accounts.roles import Role
from orders.models import WorkOrder, WorkOrderTemplate
from tests.browser.test_staff_roles import log_in
from tests.orders.conftest import _reseed_migration_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def late_work_order(hefei, wuhu):
    """A Hefei crew's install, two hours past its deadline today and still open; a Wuhu one on time."""
    _reseed_migration_data()
    template = WorkOrderTemplate.objects.get(order_type="new", spec_kind="")
    area = Area.objects.get(code="340102")
    grid = Grid.objects.create(region=hefei, area=area, code="HF-B-G1", name="瑶海浏览器网格")
    crew = OrgUnit.objects.create(code="HF-B-CREW", name="瑶海浏览器班组", kind="field_crew", region=hefei, grid=grid)
    now = timezone.now()
    today = datetime.datetime.combine(timezone.localdate(), datetime.time.min, tzinfo=timezone.get_default_timezone())
    due = max(now - datetime.timedelta(hours=2), today)  # today, so the default period (this month) holds it
    late = WorkOrder.objects.create(
        wo_no="G20261203000777", template=template, work_type="install", region=hefei, grid=grid, team=crew,
        state="assigned", sla_started_at=due - datetime.timedelta(days=2), due_at=due,
    )  # fmt: skip
    WorkOrder.objects.filter(pk=late.pk).update(created_at=late.sla_started_at)
    WorkOrder.objects.create(
        wo_no="G20261203000778", template=template, work_type="install", region=wuhu, state="open",
        sla_started_at=now, due_at=now + datetime.timedelta(days=2),
    )  # fmt: skip
    for name in ("work_orders_daily", "tickets_daily", "backlog_ageing"):
        mart_refresh(name, since=timezone.localdate() - datetime.timedelta(days=1))
    return {"work_order": late, "grid": grid, "crew": crew}


def test_manager_drills_down_to_a_late_work_order_and_exports_the_list(
    page, make_staff, hefei, late_work_order, screenshot
):
    make_staff(Role.MANAGER, username="ops-boss")
    log_in(page, "ops-boss")
    number = late_work_order["work_order"].wo_no

    page.click("[data-nav=dashboards]")
    page.click("[data-testid=dashboard-ops]")
    page.wait_for_selector("[data-testid=table-breakdown]")
    # ECharts draws after the page's scripts load, so wait for its canvas rather than count at once
    page.wait_for_selector("[data-testid=chart-on_time] canvas", state="attached", timeout=10_000)
    assert page.locator("[data-testid=chart-on_time] canvas").count() == 1
    screenshot(page, "ops-dashboard-province")

    # province → region → grid → team, each by its row in the breakdown table
    for name in ("合肥", late_work_order["grid"].name, late_work_order["crew"].name):
        page.click(f"[data-testid=table-breakdown] a[data-testid=drill] >> text={name}")
        page.wait_for_selector(f"[data-testid=breadcrumbs] strong >> text={name}")
    crumbs = page.inner_text("[data-testid=breadcrumbs]")
    assert "合肥" in crumbs and late_work_order["grid"].name in crumbs

    # the leaf: the team's late work orders, each linking to its work-order page
    link = page.locator(f"[data-testid=table-late] a[data-testid=drill] >> text={number}")
    assert link.get_attribute("href") == f"/orders/work-orders/{number}/"
    assert "G20261203000778" not in page.inner_text("main")
    backlog = page.locator("[data-testid=table-backlog] tbody tr").nth(1).inner_text()  # 1–3 days: 1 open, 1 late
    assert backlog.split("\t")[1:] == ["1", "1"], backlog
    screenshot(page, "ops-dashboard-late-work-orders")

    with page.expect_download() as download_info:
        page.click("[data-testid=export-late]")
    assert download_info.value.suggested_filename.endswith("-late.csv")
    rows = list(csv.reader(io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig"))))
    assert rows[1][0] == number and rows[1][2] == late_work_order["crew"].name
