"""Network dashboard (网络运营分析): usage per local hour and per cell from the usage records, cells ranked by traffic
and revenue, areas and grids by faults, complaints and fraud alerts, weekday × hour traffic, offers' effect on usage,
scoping, exports."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from analytics.dashboards.marts import mart_refresh
from analytics.models import CellDaily, FraudAlert, TicketDaily, UsageHourly
from billing_sync.models import UsageMonthly
from crm.accounts.models import Area, Grid
from crm.accounts.roles import Role
from orders.models import ProductOffering, ProductOrder

from .dash_h8_fixtures import client_for, line, local, usage

pytestmark = pytest.mark.django_db
NOV = datetime.date(2026, 11, 1)
MONDAY, TUESDAY = datetime.date(2026, 11, 2), datetime.date(2026, 11, 3)
PERIOD = {"period": "custom", "date_from": "2026-11-01", "date_to": "2026-11-30"}


@pytest.fixture
def network(hefei, wuhu):
    """Hefei: area Shushan (grids G1, G2), lines a (G1, plan-a) and b (G2, plan-b); Wuhu: area Jinghu (G3), line c.
    Monday 2 Nov: a calls twice at 10 in cell C1 (120 s + 60 s, 0.40), b uses 2 MB there at 10:50 (1.00) and calls
    300 s at 21:00 in C2 (0.50); c calls 600 s at 10:00 in W9 (2.00). Tuesday: a sends a message at 23:30 local from
    C2 (0.10) and calls 60 s roaming at 9:00. Tickets: G1 2 faults, G2 1 complaint, G3 4 complaints; a fraud alert on
    a. b changed to plan-a on 15 Nov: 10 minutes and 1 MB a month before, 20 minutes and 3 MB after."""
    shushan = Area.objects.create(region=hefei, code="H8SS", name="测试甲区", kind="urban")
    jinghu = Area.objects.create(region=wuhu, code="H8JH", name="测试乙区", kind="urban")
    g1 = Grid.objects.create(region=hefei, area=shushan, code="H8G1", name="G1")
    g2 = Grid.objects.create(region=hefei, area=shushan, code="H8G2", name="G2")
    g3 = Grid.objects.create(region=wuhu, area=jinghu, code="H8G3", name="G3")
    a = line("1", hefei, grid=g1)
    b = line("2", hefei, grid=g2, offering="plan-b")
    c = line("3", wuhu, grid=g3)
    usage(a, local(MONDAY, 10, 15), seconds=120, charge="0.30", cell="C1")
    usage(a, local(MONDAY, 10, 40), seconds=60, charge="0.10", cell="C1")
    usage(b, local(MONDAY, 10, 50), kind="data", kb=2048, charge="1.00", cell="C1")
    usage(b, local(MONDAY, 21), seconds=300, charge="0.50", cell="C2")
    usage(c, local(MONDAY, 10), seconds=600, charge="2.00", cell="W9")
    usage(a, local(TUESDAY, 23, 30), kind="sms", charge="0.10", cell="C2")
    usage(a, local(TUESDAY, 9), seconds=60, cell="R123456", roaming="domestic")
    for grid, region, kind, n in ((g1, hefei, "fault", 2), (g2, hefei, "complaint", 1), (g3, wuhu, "complaint", 4)):
        TicketDaily.objects.create(
            day=datetime.date(2026, 11, 5), region_id=region.pk, grid_id=grid.pk, ticket_type=kind, opened=n
        )
    FraudAlert.objects.create(
        alert_no="FA-H8-1",
        detector="rule",
        customer=a.customer,
        product=a,
        subject="a",
        day=datetime.date(2026, 11, 10),
        region_id=hefei.pk,
        severity="high",
        reason_code="test",
    )
    ProductOrder.objects.create(
        order_no="OH8CHG",
        order_type="change",
        state="completed",
        customer=b.customer,
        product=b,
        offering=ProductOffering.objects.get(code="plan-a"),
        channel="own_hall",
        region=hefei,
        completed_at=local(datetime.date(2026, 11, 15), 12),
    )
    for month, seconds, kb in ((8, 600, 1024), (9, 600, 1024), (10, 600, 1024), (11, 900, 0), (12, 1200, 3072)):
        UsageMonthly.objects.create(
            product=b,
            customer=b.customer,
            account=b.billing_account,
            month=datetime.date(2026, month, 1),
            voice_seconds=seconds,
            data_kb=kb,
        )
    UsageMonthly.objects.create(
        product=a, customer=a.customer, account=a.billing_account, month=NOV, voice_seconds=1200, sms_count=4
    )
    return {"a": a, "b": b, "c": c, "shushan": shushan}


def _refresh() -> None:
    for name in ("usage_hourly", "cells_daily"):
        mart_refresh(name, since=datetime.date(2026, 11, 1), until=datetime.date(2026, 11, 30))


def test_usage_per_local_hour_and_per_cell(network, hefei, wuhu):
    _refresh()

    hourly = {
        (r.day, r.hour, r.region_id, r.usage_type): (r.records, r.seconds, r.data_kb, r.charge)
        for r in UsageHourly.objects.all()
    }
    assert hourly == {
        (MONDAY, 10, hefei.pk, "voice"): (2, 180, 0, Decimal("0.40")),
        (MONDAY, 10, hefei.pk, "data"): (1, 0, 2048, Decimal("1.00")),
        (MONDAY, 21, hefei.pk, "voice"): (1, 300, 0, Decimal("0.50")),
        (MONDAY, 10, wuhu.pk, "voice"): (1, 600, 0, Decimal("2.00")),
        (TUESDAY, 23, hefei.pk, "sms"): (1, 0, 0, Decimal("0.10")),  # 15:30 UTC
        (TUESDAY, 9, hefei.pk, "voice"): (1, 60, 0, Decimal("0.00")),
    }
    cells = {
        (r.day, r.cell_id): (r.records, r.seconds, r.data_kb, r.charge, r.subscribers) for r in CellDaily.objects.all()
    }
    assert cells == {
        (MONDAY, "C1"): (3, 180, 2048, Decimal("1.40"), 2),
        (MONDAY, "C2"): (1, 300, 0, Decimal("0.50"), 1),
        (MONDAY, "W9"): (1, 600, 0, Decimal("2.00"), 1),
        (TUESDAY, "C2"): (1, 0, 0, Decimal("0.10"), 1),  # the roaming call is not in our cells
    }


def test_refreshing_twice_gives_the_same_rows(network):
    _refresh()
    first = sorted(UsageHourly.objects.values_list("day", "hour", "region_id", "usage_type", "records"))
    cells = sorted(CellDaily.objects.values_list("day", "cell_id", "records", "charge"))
    _refresh()
    assert sorted(UsageHourly.objects.values_list("day", "hour", "region_id", "usage_type", "records")) == first
    assert sorted(CellDaily.objects.values_list("day", "cell_id", "records", "charge")) == cells


def test_the_page_ranks_cells_and_areas_and_shows_traffic_by_time(network, make_staff, django_assert_max_num_queries):
    _refresh()
    client = client_for(make_staff(Role.MANAGER))

    with django_assert_max_num_queries(40):
        page = client.get("/analytics/dashboards/network/", PERIOD)

    assert page.status_code == 200
    data = page.context["data"]
    tables = {t.key: t for t in data.tables}
    assert [(c["cell_id"], c["records"]) for c in tables["cells_traffic"].rows] == [("C1", 3), ("C2", 2), ("W9", 1)]
    assert [(c["cell_id"], c["charge"]) for c in tables["cells_revenue"].rows] == [
        ("W9", 2.0),
        ("C1", 1.4),
        ("C2", 0.6),
    ]
    areas = {a["name"]: (a["faults"], a["complaints"], a["fraud"]) for a in tables["areas"].rows}
    assert areas == {"测试甲区": (2, 1, 1), "测试乙区": (0, 4, 0)}
    hours = {r["hour"]: r["records"] for r in tables["hours"].rows}
    assert (hours["10"], hours["21"], hours["23"], hours["09"]) == (4, 1, 1, 1)
    heat = {(h, d): v for h, d, v in next(c for c in data.charts if c.key == "week-hours").data["values"]}
    assert heat[(10, 0)] == 0.8  # 4 records on Mondays at 10, November has 5 Mondays
    change = tables["offering_changes"].rows[0]
    assert (change["offering"], change["changes"], change["minutes_before"], change["minutes_after"]) == (
        "plan-a",
        1,
        10.0,
        20.0,
    )
    assert (change["data_before"], change["data_after"]) == (1.0, 3.0)
    usage = {r["offering"]: r["minutes"] for r in tables["offering_usage"].rows}
    assert usage == {"plan-a": 20.0, "plan-b": 15.0}
    figures = {str(f.label): f.value for f in data.figures}
    assert figures["Busiest hour"] == "10:00" and figures["Usage records"] == "7"


def test_drilling_into_an_area_lists_its_grids(network, make_staff):
    _refresh()
    client = client_for(make_staff(Role.MANAGER))

    page = client.get("/analytics/dashboards/network/", {**PERIOD, "area": network["shushan"].pk})

    grids = {
        g["name"]: (g["faults"], g["complaints"]) for g in {t.key: t for t in page.context["data"].tables}["grids"].rows
    }
    assert grids == {"G1": (2, 0), "G2": (0, 1)}
    assert page.context["data"].breadcrumbs[-1][0] == "测试甲区"


def test_a_regional_manager_sees_their_region_only_and_exports(network, make_staff, hefei, wuhu):
    _refresh()
    client = client_for(make_staff(Role.MANAGER, region=wuhu))

    page = client.get("/analytics/dashboards/network/", {**PERIOD, "region": hefei.pk})
    tables = {t.key: t for t in page.context["data"].tables}
    assert [c["cell_id"] for c in tables["cells_traffic"].rows] == ["W9"]
    assert [a["name"] for a in tables["areas"].rows] == ["测试乙区"]
    assert tables["offering_changes"].rows == [] and tables["offering_usage"].rows == []

    export = client.get("/analytics/dashboards/network/", {**PERIOD, "export": "xlsx"})
    book = load_workbook(io.BytesIO(export.content))
    cells = [row[0].value for sheet in book.worksheets for row in sheet.iter_rows(min_row=2)]
    assert "W9" in cells and "C1" not in cells
