"""Operations dashboard (运营监控): the work-order, ticket and backlog marts against hand-computed values on a small
fixture, the drill-down province → region → grid → team → late work orders with its links and breadcrumbs, scoping
of a regional manager, exports of the late list, and the page's query budget."""

from __future__ import annotations

import csv
import datetime
import io
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from analytics.dashboards.marts import mart_refresh
from analytics.dashboards.ops.marts import refresh_backlog_ageing, refresh_tickets_daily, refresh_work_orders_daily
from analytics.models import BacklogAgeing, MartRefresh, TicketDaily, WorkOrderDaily
from callcenter.models import ReasonCategory, TroubleTicket
from crm.accounts.models import Area, Grid, OrgUnit
from crm.accounts.roles import Role
from orders.models import WorkOrder, WorkOrderTemplate
from tests.customers.conftest import people  # noqa: F401 - customers fixture
from tests.orders.conftest import _reseed_migration_data

SHANGHAI = timezone.get_default_timezone()
D = datetime.date(2026, 11, 10)
_numbers = itertools.count(1)
URL = "/analytics/dashboards/ops/"
PERIOD = {"period": "custom", "date_from": D.isoformat(), "date_to": D.isoformat()}


def at(day: datetime.date, hour: int, days: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time(hour), tzinfo=SHANGHAI)


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def ops(db, hefei, wuhu, people):  # noqa: F811 - the customers fixture
    """Work orders and tickets around day D (2026-11-10, local time). Hefei has grids G1 and G2, a crew T1 (in G1) and
    an outsourced company C1; see each line for what it counts as on D."""
    _reseed_migration_data()
    template = WorkOrderTemplate.objects.get(order_type="new", spec_kind="")
    area = Area.objects.get(code="340102")
    g1 = Grid.objects.create(region=hefei, area=area, code="HF-G1", name="瑶海一网格")
    g2 = Grid.objects.create(region=hefei, area=area, code="HF-G2", name="瑶海二网格")
    t1 = OrgUnit.objects.create(code="HF-CREW-1", name="瑶海装维一班", kind="field_crew", region=hefei, grid=g1)
    c1 = OrgUnit.objects.create(code="HF-DW-1", name="华通代维", kind="maintenance_contractor", region=hefei)

    def wo(region, work_type, created, due, *, grid=None, team=None, completed=None, state="assigned", **fields):
        number = f"G2026{next(_numbers):08d}"
        stopped = fields.pop("stopped", completed)
        work_order = WorkOrder.objects.create(
            wo_no=number, template=template, work_type=work_type, region=region, grid=grid, team=team,
            state="completed" if completed else state, completed_at=completed, sla_started_at=created, due_at=due,
            sla_stopped_at=stopped, **fields,
        )  # fmt: skip
        WorkOrder.objects.filter(pk=work_order.pk).update(created_at=created)
        return work_order

    w = {
        # completed on D before its deadline: on time, 23 h
        "w1": wo(hefei, "install", at(D, 10, -1), at(D, 10), grid=g1, team=t1, completed=at(D, 9)),
        # completed on D two hours late (breach on D), 26 h less an hour waiting for the customer
        "w2": wo(hefei, "install", at(D, 12, -1), at(D, 12), grid=g1, team=t1, completed=at(D, 14), paused_minutes=60),
        # the contractor's, due on D and still open: a breach on D, open at the end, 1-3 days old and late
        "w3": wo(hefei, "install", at(D, 8, -2), at(D, 8), grid=g1, team=c1),
        # a fault repaired on D within its 8 hours: on time, 7 h
        "w4": wo(hefei, "fault_broadband", at(D, 8), at(D, 16), grid=g2, team=t1, completed=at(D, 15)),
        # created on D in the evening, not dispatched: open, under a day old
        "w5": wo(hefei, "move", at(D, 20), at(D, 20, 2), grid=g2, state="open"),
        # Wuhu's: completed on D, late
        "w6": wo(wuhu, "install", at(D, 11, -9), at(D, 11), completed=at(D, 13)),
        # cancelled the day before its deadline: neither late nor open
        "w7": wo(hefei, "install", at(D, 9, -1), at(D, 10), grid=g1, team=t1, state="cancelled", stopped=at(D, 15, -1)),
        # paused (waiting for the customer) before its deadline: open, over 7 days old, not late
        "w8": wo(hefei, "install", at(D, 9, -8), at(D, 9, -6), grid=g1, team=t1, state="held", paused_at=at(D, 9, -7)),
    }
    owner = get_user_model().objects.create(username="agent-ops")
    portal = get_user_model().objects.create(username="portal-desk", is_active=False)
    network = ReasonCategory.objects.create(code="ops-network", name="网络质量", name_en="Network quality",
                                            interaction_type="complaint")  # fmt: skip
    slow = ReasonCategory.objects.create(code="ops-slow", name="网速慢", name_en="Slow", interaction_type="complaint",
                                         parent=network)  # fmt: skip

    def ticket(customer, ticket_type, created, *, reason=None, due=None, resolved=None, owner=owner, **fields):
        t = TroubleTicket.objects.create(
            ticket_no=f"T{next(_numbers):012d}", ticket_type=ticket_type, customer=customer, description="x",
            owner=owner, region=customer.region, reason=reason, sla_started_at=created, due_at=due,
            status="resolved" if resolved else "inProgress", resolved_at=resolved, sla_stopped_at=resolved, **fields,
        )  # fmt: skip
        TroubleTicket.objects.filter(pk=t.pk).update(created_at=created)
        return t

    zhang, corp = people["zhang"], people["corp"]
    ticket(zhang, "fault", at(D, 9, -10))  # zhang's earlier ticket: makes both of his on D repeats
    ticket(corp, "complaint", at(D, 9, -40))  # corp's is 40 days old: no repeat
    # opened and resolved on D, two hours after its deadline: late, repeat
    ticket(zhang, "complaint", at(D, 9), reason=slow, due=at(D, 10), resolved=at(D, 12))
    # to the regulator, through the portal
    ticket(corp, "regulator_complaint", at(D, 10), due=at(D, 10, 3), owner=portal)
    # at risk of going to the regulator, a repeat; resolved in time
    ticket(zhang, "fault", at(D, 11), reason=network, due=at(D, 19), resolved=at(D, 18), regulator_risk=True)
    return {"g1": g1, "g2": g2, "t1": t1, "c1": c1, **w}


def _refresh_all() -> None:
    for name in ("work_orders_daily", "tickets_daily", "backlog_ageing"):
        mart_refresh(name, since=D - datetime.timedelta(days=1), until=D)


def _wo_rows(**lookup) -> dict:
    rows = WorkOrderDaily.objects.filter(day=D, **lookup).values(
        "region_id", "grid_id", "team_id", "contractor_id", "work_type", "created", "completed", "completed_on_time",
        "breached", "handling_minutes", "open_at_end",
    )  # fmt: skip
    return {(r["grid_id"], r["team_id"], r["work_type"]): r for r in rows}


@pytest.mark.django_db
def test_work_orders_per_day_against_hand_computed_values(ops, hefei, wuhu):
    refresh_work_orders_daily(D, D)

    rows = _wo_rows(region_id=hefei.pk)
    g1, g2, t1, c1 = ops["g1"].pk, ops["g2"].pk, ops["t1"].pk, ops["c1"].pk
    assert set(rows) == {(g1, t1, "install"), (g1, c1, "install"), (g2, t1, "fault_broadband"), (g2, None, "move")}
    crew = rows[(g1, t1, "install")]
    # w1 on time and w2 late completed; w2 breached; w8 open (held); 23 h + 26 h − 1 h paused
    assert (crew["created"], crew["completed"], crew["completed_on_time"], crew["breached"]) == (0, 2, 1, 1)
    assert (crew["handling_minutes"], crew["open_at_end"], crew["contractor_id"]) == (48 * 60, 1, None)
    contractor = rows[(g1, c1, "install")]
    assert (contractor["contractor_id"], contractor["breached"], contractor["open_at_end"]) == (c1, 1, 1)
    fault = rows[(g2, t1, "fault_broadband")]
    assert (fault["created"], fault["completed_on_time"], fault["handling_minutes"]) == (1, 1, 7 * 60)
    assert rows[(g2, None, "move")]["open_at_end"] == 1 and rows[(g2, None, "move")]["created"] == 1
    (wuhu_row,) = _wo_rows(region_id=wuhu.pk).values()
    assert (wuhu_row["completed"], wuhu_row["completed_on_time"], wuhu_row["breached"]) == (1, 0, 1)


@pytest.mark.django_db
def test_refreshing_twice_gives_the_same_rows_and_records_the_refresh(ops):
    def snapshot():
        return [
            sorted(map(repr, model.objects.values_list(*[f.name for f in model._meta.fields if f.name != "id"])))
            for model in (WorkOrderDaily, TicketDaily, BacklogAgeing)
        ]

    _refresh_all()
    first = snapshot()
    _refresh_all()

    assert snapshot() == first and all(first)
    assert set(MartRefresh.objects.values_list("mart", flat=True)) == {
        "work_orders_daily", "tickets_daily", "backlog_ageing",
    }  # fmt: skip
    # the day before D is rebuilt too: w7 and w1, w2 and w3 were open at its end
    assert WorkOrderDaily.objects.filter(day=D - datetime.timedelta(days=1)).exists()


@pytest.mark.django_db
def test_backlog_buckets_by_age_with_the_late_ones(ops, hefei):
    refresh_backlog_ageing(D, D)

    rows = {
        (r.age_bucket, r.work_type): (r.open_items, r.late_items)
        for r in BacklogAgeing.objects.filter(as_of=D, region_id=hefei.pk)
    }
    # w5 opened the evening of D; w3 is 2 days 16 hours old and past its deadline; w8 waits (paused) for 7+ days
    assert rows == {("<1d", "move"): (1, 0), ("1-3d", "install"): (1, 1), (">7d", "install"): (1, 0)}


@pytest.mark.django_db
def test_tickets_per_day_count_repeats_and_regulator_complaints(ops, hefei):
    refresh_tickets_daily(D, D)

    rows = list(TicketDaily.objects.filter(day=D, region_id=hefei.pk))
    total = {k: sum(getattr(r, k) for r in rows) for k in ("opened", "resolved", "breached", "repeat", "regulator")}
    assert total == {"opened": 3, "resolved": 2, "breached": 1, "repeat": 2, "regulator": 2}
    by = {(r.ticket_type, r.category, r.channel): r for r in rows}
    assert set(by) == {
        ("complaint", "ops-network", "staff"), ("regulator_complaint", "", "portal"), ("fault", "ops-network", "staff"),
    }  # fmt: skip
    assert by[("complaint", "ops-network", "staff")].repeat == 1
    assert by[("regulator_complaint", "", "portal")].repeat == 0


def _table(response, key):
    (table,) = [t for t in response.context["data"].tables if t.key == key]
    return table


def _figure(response, label):
    (figure,) = [f for f in response.context["data"].figures if str(f.label) == label]
    return figure


@pytest.mark.django_db
def test_drill_down_from_the_province_to_the_late_work_orders(ops, hefei, wuhu, make_staff):
    _refresh_all()
    client = _client(make_staff(Role.MANAGER))

    # province: one row per region, most breaches first, each linking to its region
    province = client.get(URL, PERIOD)
    assert province.status_code == 200
    table = _table(province, "breakdown")
    assert [(r["name"], r["breached"], r["completed"]) for r in table.rows] == [("合肥", 2, 3), ("芜湖", 1, 1)]
    assert f"region={hefei.pk}" in table.links[0] and "period=custom" in table.links[0]
    assert _figure(province, "On time").value == 50.0  # w1, w4 of w1, w2, w4, w6
    assert _figure(province, "Breaches").value == 3
    assert [label for label, _url in province.context["data"].breadcrumbs] == ["Province"]
    chart = {c.key: c for c in province.context["data"].charts}["breaches"]
    assert chart.data["values"] == [2, 1] and chart.data["links"] == [table.links[0], table.links[1]]

    # region: per grid
    region = client.get(table.links[0])
    table = _table(region, "breakdown")
    assert [(r["name"], r["breached"], r["open"]) for r in table.rows] == [("瑶海一网格", 2, 2), ("瑶海二网格", 0, 1)]
    assert f"grid={ops['g1'].pk}" in table.links[0]
    on_time = _figure(region, "On time")
    assert (on_time.value, on_time.target, on_time.good) == (66.7, 98.0, False)
    assert _figure(region, "Average handling").value == 18.3  # (48 h + 7 h) / 3
    work_types = {r["type"]: (r["on_time"], r["target"]) for r in _table(region, "work_types").rows}
    assert work_types["Install"][1] == 99.0 and str(work_types["Install"][0]) == "50.0"
    assert work_types["Fault: broadband"][1] == 98.0
    assert [r["name"] for r in _table(region, "contractors").rows] == ["华通代维"]
    backlog = {r["age"]: (r["open"], r["late"]) for r in _table(region, "backlog").rows}
    assert backlog == {"Under a day": (1, 0), "1–3 days": (1, 1), "3–7 days": (0, 0), "Over 7 days": (1, 0)}
    tickets = _table(region, "tickets").rows
    assert tickets[0]["category"] == "Network quality" and tickets[0]["opened"] == 2 and tickets[0]["repeat"] == 2

    # grid: per team
    grid = client.get(table.links[0])
    table = _table(grid, "breakdown")
    assert sorted((r["name"], r["breached"]) for r in table.rows) == [("华通代维", 1), ("瑶海装维一班", 1)]
    crew_index = [r["name"] for r in table.rows].index("瑶海装维一班")

    # team: the late work orders, each linking to its work-order page
    team = client.get(table.links[crew_index])
    late = _table(team, "late")
    assert [(r["number"], r["type"], r["late_by"]) for r in late.rows] == [(ops["w2"].wo_no, "Install", 2.0)]
    assert late.links[0] == reverse("orders:work_order_detail", args=[ops["w2"].wo_no])
    crumbs = [label for label, _url in team.context["data"].breadcrumbs]
    assert crumbs == ["Province", "合肥", "瑶海一网格", "瑶海装维一班"]
    html = team.content.decode()
    assert f'href="/orders/work-orders/{ops["w2"].wo_no}/"' in html
    assert not any(t.key == "breakdown" for t in team.context["data"].tables)


@pytest.mark.django_db
def test_a_regional_manager_stays_in_their_region(ops, hefei, wuhu, make_staff):
    _refresh_all()
    client = _client(make_staff(Role.MANAGER, region=wuhu))

    page = client.get(URL, {**PERIOD, "region": hefei.pk})

    assert page.status_code == 200
    assert page.context["filters"].region == wuhu
    assert [label for label, _url in page.context["data"].breadcrumbs] == ["芜湖"]  # no province above them
    assert _figure(page, "Breaches").value == 1
    assert all(r["name"] != "瑶海一网格" for r in _table(page, "breakdown").rows)
    assert client.get(URL, {**PERIOD, "grid": ops["g1"].pk}).status_code == 404
    assert client.get(URL, {**PERIOD, "team": ops["t1"].pk}).status_code == 404
    assert client.get(URL, {**PERIOD, "grid": "x"}).status_code == 404
    # a province manager who picks another region in the filters leaves the grid they were in
    province = _client(make_staff(Role.MANAGER)).get(URL, {**PERIOD, "region": wuhu.pk, "grid": ops["g1"].pk})
    assert province.status_code == 200
    assert [label for label, _url in province.context["data"].breadcrumbs] == ["Province", "芜湖"]


@pytest.mark.django_db
def test_export_of_the_team_level_contains_the_late_list(ops, hefei, make_staff):
    _refresh_all()
    client = _client(make_staff(Role.MANAGER))
    query = {**PERIOD, "region": hefei.pk, "grid": ops["g1"].pk, "team": ops["c1"].pk}

    book = load_workbook(io.BytesIO(client.get(URL, {**query, "export": "xlsx"}).content))
    sheet = book["Late work orders"]
    assert [c.value for c in sheet[2]][:3] == [ops["w3"].wo_no, "Install", "华通代维"]
    response = client.get(URL, {**query, "export": "csv", "table": "late"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Work order" and rows[1][0] == ops["w3"].wo_no


@pytest.mark.django_db
def test_the_page_runs_a_bounded_number_of_queries(ops, make_staff, django_assert_max_num_queries):
    _refresh_all()
    client = _client(make_staff(Role.MANAGER))
    client.get(URL, PERIOD)  # warm the session and permission caches

    # 17 and 18 today: the drill-down lookups, one grouped query per table, names, and the view's own
    with django_assert_max_num_queries(20):
        response = client.get(URL, {**PERIOD, "grid": ops["g1"].pk, "team": ops["t1"].pk})
    with django_assert_max_num_queries(20):
        province = client.get(URL, PERIOD)

    assert response.status_code == 200 and _table(response, "late").rows
    assert len(_table(province, "breakdown").rows) == 2
