"""Manager reports: the outlets' monthly commission statement (with exports and a printable statement per outlet)
and the work orders' time-limit KPIs, each scoped to what the manager may see."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.accounts.models import OrgUnit
from crm.audit.models import AuditEntry
from crm.sla.models import SlaBreach
from crm.sla.selectors import limit_for
from crm.sla.services import sla_start, sla_stop
from orders.eligibility import OrderRequest
from orders.models import CommissionEntry, CommissionRule, ProductOrder, WorkOrder, WorkOrderTemplate
from orders.services import intake, work
from orders.services.commission import commission_record
from orders.views.reports import last_month
from tests.conftest import STAFF_PASSWORD

_numbers = itertools.count(1)
SHANGHAI = timezone.get_default_timezone()
MARCH = datetime.date(2026, 3, 1)
FEBRUARY = datetime.date(2026, 2, 1)


def login(client, user):
    client.cookies["django_language"] = "en"  # the catalogue's Chinese is not what these tests read
    assert client.login(username=user.username, password=STAFF_PASSWORD)
    return client


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SHANGHAI)


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[1:]  # the first line is the export watermark


@pytest.fixture
def rules(db):
    """What partner halls and agent outlets earn per completed order, by order type."""
    since = datetime.date(2020, 1, 1)
    for kind, order_type, amount in [
        ("partner_hall", "new", "30.00"),
        ("partner_hall", "suspend", "2.50"),
        ("partner_hall", "change", "5.00"),
        ("agent_outlet", "new", "20.00"),
    ]:
        CommissionRule.objects.create(outlet_kind=kind, order_type=order_type, amount=Decimal(amount), valid_from=since)


@pytest.fixture
def outlets(hefei, wuhu):
    def make(code, name, kind, region):
        return OrgUnit.objects.create(code=code, name=name, kind=kind, region=region)

    return {
        "hf_hall": make("PH-HF-01", "合肥长江路合作厅", "partner_hall", hefei),
        "hf_agent": make("AG-HF-07", "合肥瑶海代销点", "agent_outlet", hefei),
        "wh_hall": make("PH-WH-01", "芜湖中山路合作厅", "partner_hall", wuhu),
    }


def completed(customer, outlet, order_type, completed_at, **kwargs) -> CommissionEntry:
    """An order the outlet took that has completed, commissioned by the real service."""
    order = ProductOrder.objects.create(
        order_no=f"D20260000{next(_numbers):06d}", order_type=order_type, customer=customer, channel=outlet.kind,
        outlet=outlet, region=outlet.region, state="completed", completed_at=completed_at, **kwargs,
    )  # fmt: skip
    entry = commission_record(order=order)
    assert entry is not None
    return entry


@pytest.fixture
def march(people, outlets, rules):
    """March 2026: the Hefei hall 3 orders (2 new, 1 change), the Hefei agent 1, the Wuhu hall 2; one in February."""
    zhang, zhangw = people["zhang"], people["zhangw"]
    completed(zhang, outlets["hf_hall"], "new", at(MARCH.replace(day=3)))
    completed(zhang, outlets["hf_hall"], "new", at(MARCH.replace(day=20)))
    completed(zhang, outlets["hf_hall"], "change", at(MARCH.replace(day=31), 20))
    completed(zhang, outlets["hf_agent"], "new", at(MARCH.replace(day=9)))
    completed(zhangw, outlets["wh_hall"], "new", at(MARCH.replace(day=5)))
    completed(zhangw, outlets["wh_hall"], "suspend", at(MARCH.replace(day=6)))
    completed(zhang, outlets["hf_hall"], "new", at(FEBRUARY.replace(day=27)))


def table_rows(html: str) -> dict[str, tuple[str, str]]:
    """outlet code → (orders, amount) from the statement table."""
    import re

    rows = re.findall(
        r'<tr data-outlet="([^"]+)">.*?data-testid="orders">(\d+)</td>\s*<td data-testid="amount">([\d.]+)</td>',
        html,
        re.S,
    )
    return {code: (orders, amount) for code, orders, amount in rows}


# --- Commission statement -----------------------------------------------------------------------------------------


def test_province_manager_sees_every_outlets_month_totals(
    client, make_staff, hefei, march, django_assert_max_num_queries
):
    login(client, make_staff("manager"))

    with django_assert_max_num_queries(12):
        response = client.get(reverse("orders:commissions"), {"month": "2026-03"})

    assert response.status_code == 200
    html = response.content.decode()
    # Totals per outlet of March only (the February order is not counted), the largest first
    assert table_rows(html) == {"PH-HF-01": ("3", "65.00"), "PH-WH-01": ("2", "32.50"), "AG-HF-07": ("1", "20.00")}
    assert html.index("PH-HF-01") < html.index("PH-WH-01") < html.index("AG-HF-07")
    statement = response.context["statement"]
    assert (statement.orders, statement.amount) == (6, Decimal("117.50"))
    # broken down by order type
    hall = statement.outlets[0]
    assert {t: (v.orders, v.amount) for t, v in hall.by_type.items()} == {
        "new": (2, Decimal("60.00")),
        "change": (1, Decimal("5.00")),
    }
    assert statement.order_types == ["new", "change", "suspend"]
    # the chart data: top outlets by amount, read by charts.js
    assert 'data-chart="bar"' in html and 'id="commission-chart-data"' in html
    assert response.context["chart"]["values"] == [65.0, 32.5, 20.0]
    assert "vendor/echarts/echarts.min.js" in html and "js/charts.js" in html

    february = client.get(reverse("orders:commissions"), {"month": "2026-02"})
    assert table_rows(february.content.decode()) == {"PH-HF-01": ("1", "30.00")}

    hefei_only = client.get(reverse("orders:commissions"), {"month": "2026-03", "region": hefei.pk})
    assert set(table_rows(hefei_only.content.decode())) == {"PH-HF-01", "AG-HF-07"}


def test_default_month_is_last_month(client, make_staff, people, outlets, rules):
    previous = last_month(timezone.localdate())
    completed(people["zhang"], outlets["hf_hall"], "new", at(previous.replace(day=15)))
    completed(people["zhang"], outlets["hf_hall"], "new", at(previous - datetime.timedelta(days=40)))
    login(client, make_staff("manager"))

    response = client.get(reverse("orders:commissions"))

    assert response.context["month"] == previous
    assert table_rows(response.content.decode()) == {"PH-HF-01": ("1", "30.00")}


def test_invalid_month_shows_an_error_and_the_default(client, make_staff, march):
    login(client, make_staff("manager"))
    response = client.get(reverse("orders:commissions"), {"month": "2026-13"})
    assert response.status_code == 200
    assert 'data-testid="filter-errors"' in response.content.decode()
    assert response.context["month"] == last_month(timezone.localdate())


def test_wuhu_manager_sees_only_wuhu_outlets(client, make_staff, wuhu, hefei, march):
    manager = make_staff("manager", region=wuhu)
    login(client, manager)

    response = client.get(reverse("orders:commissions"), {"month": "2026-03"})
    assert table_rows(response.content.decode()) == {"PH-WH-01": ("2", "32.50")}
    assert "合肥" not in response.content.decode().split('data-testid="commissions"')[1]
    assert "region" not in response.context["form"].fields  # no region to choose

    # Asking for Hefei changes nothing: the scope comes from the profile, not the query
    sneaky = client.get(reverse("orders:commissions"), {"month": "2026-03", "region": hefei.pk})
    assert set(table_rows(sneaky.content.decode())) == {"PH-WH-01"}
    # nor do the exports or a Hefei outlet's statement
    exported = csv_rows(client.get(reverse("orders:commissions"), {"month": "2026-03", "export": "csv"}))
    assert [row[0] for row in exported[1:]] == ["PH-WH-01"]
    statement = reverse("orders:commission_statement", args=["PH-HF-01", "2026-03"])
    assert client.get(statement).status_code == 404


def test_csv_and_excel_export_of_the_statement(client, make_staff, march):
    manager = make_staff("manager")
    login(client, manager)

    response = client.get(reverse("orders:commissions"), {"month": "2026-03", "export": "csv"})

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="commissions-2026-03.csv"' in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:6] == ["Outlet code", "Outlet", "Kind", "Region", "Orders", "Amount (yuan)"]
    assert header[6:8] == [
        "New installation / subscription (新装): orders",
        "New installation / subscription (新装): amount (yuan)",
    ]
    assert rows[0][:6] == ["PH-HF-01", "合肥长江路合作厅", "Partner hall (合作厅)", "合肥", "3", "65.00"]
    assert rows[0][6:] == ["2", "60.00", "1", "5.00", "0", "0.00"]  # new, change, suspend
    assert rows[1][:6] == ["PH-WH-01", "芜湖中山路合作厅", "Partner hall (合作厅)", "芜湖", "2", "32.50"]
    assert rows[1][6:] == ["1", "30.00", "0", "0.00", "1", "2.50"]
    assert len(rows) == 3
    assert AuditEntry.objects.filter(action="export", object_id="orders.commissions").count() == 1

    xlsx = client.get(reverse("orders:commissions"), {"month": "2026-03", "export": "xlsx"})
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[2][:6] == ("PH-HF-01", "合肥长江路合作厅", "Partner hall (合作厅)", "合肥", 3, 65.0)


def test_outlet_statement_lists_each_order_and_prints(client, make_staff, march):
    login(client, make_staff("manager"))

    response = client.get(reverse("orders:commission_statement", args=["PH-HF-01", "2026-03"]))

    assert response.status_code == 200
    html = response.content.decode()
    statement = response.context["statement"]
    assert (statement.orders, statement.amount) == (3, Decimal("65.00"))
    numbers = [e.order.order_no for e in statement.entries]
    assert len(numbers) == 3 and all(n in html for n in numbers)
    assert numbers == sorted(numbers)  # oldest first
    assert "2026-03-31 20:00" in html  # completion shown in local time
    assert "New installation / subscription (新装)" in html and "65.00" in html
    assert "data-print" in html and "@media print" in html
    # the CSV of one outlet's statement
    rows = csv_rows(client.get(reverse("orders:commission_statement", args=["PH-HF-01", "2026-03"]), {"export": "csv"}))
    assert rows[0] == ["Order number", "Completed", "Order type", "Offering", "Amount (yuan)"]
    assert [r[-1] for r in rows[1:]] == ["30.00", "30.00", "5.00"]

    for bad in (["PH-HF-01", "2026-3x"], ["NO-SUCH", "2026-03"]):
        assert client.get(reverse("orders:commission_statement", args=bad)).status_code == 404


def test_order_completed_through_the_services_is_in_the_statement(
    client, make_staff, people, outlets, rules, subscribe
):
    # Given a customer suspends a line at a Hefei partner hall (all steps automatic: it completes at once)
    zhang = people["zhang"]
    line = subscribe(zhang, 58)
    clerk = make_staff("hall_clerk", org_unit=outlets["hf_hall"])
    request = OrderRequest(order_type="suspend", customer=zhang, product=line, channel="partner_hall",
                           outlet_id=outlets["hf_hall"].pk)  # fmt: skip
    order = intake.order_submit(request=request, actor=clerk)

    # Then the hall earns the suspend commission in the month of completion
    order.refresh_from_db()
    assert order.state == "completed"
    entry = CommissionEntry.objects.get(order=order)
    login(client, make_staff("manager"))
    response = client.get(reverse("orders:commissions"), {"month": f"{entry.month:%Y-%m}"})
    assert table_rows(response.content.decode()) == {"PH-HF-01": ("1", "2.50")}


# --- Time-limit KPIs --------------------------------------------------------------------------------------------


@pytest.fixture
def work_orders(people, hefei, wuhu, make_staff):
    """Urban installs (2 days, target 99 %) of the last week: Hefei 3 finished (1 late) and 1 running overdue, Wuhu
    1 finished late; and a Hefei one that finished late 80 days ago."""
    now = timezone.now()
    day = datetime.timedelta(days=1)
    template = WorkOrderTemplate.objects.get(order_type="new", spec_kind="")
    limit = limit_for(work_type="install", area_kind="urban")

    def make(region, customer, started, finished=None):
        order = ProductOrder.objects.create(
            order_no=f"D20260000{next(_numbers):06d}", order_type="new", customer=customer, channel="own_hall",
            region=region, state="inProgress",
        )  # fmt: skip
        wo = WorkOrder(wo_no=f"G20260000{next(_numbers):06d}", order=order, template=template, work_type="install",
                       region=region)  # fmt: skip
        sla_start(obj=wo, limit=limit, started_at=started)
        wo.save()
        if finished is not None:
            sla_stop(obj=wo, when=finished)
            wo.state, wo.completed_at = "completed", finished
            wo.save()
        return wo

    zhang, zhangw = people["zhang"], people["zhangw"]
    make(hefei, zhang, now - 4 * day, now - 3 * day)
    make(hefei, zhang, now - 3 * day, now - 2 * day)
    late = make(hefei, zhang, now - 6 * day, now - 1 * day)  # 3 days late
    running = make(hefei, zhang, now - 3 * day)  # due a day ago, still open
    wuhu_late = make(wuhu, zhangw, now - 5 * day, now - 2 * day)
    old = make(hefei, zhang, now - 90 * day, now - 80 * day)  # finished (late) before the period
    # The sweep records the running one's breach and escalates it to the lead of Hefei's dispatch centre
    lead = make_staff("dispatcher", username="hf-lead")
    OrgUnit.objects.create(code="DISP-HF", name="合肥调度中心", kind="dispatch_centre", region=hefei, lead=lead)
    work.work_orders_sla_sweep()
    return {"late": late, "running": running, "wuhu_late": wuhu_late, "old": old}


def test_kpis_on_time_percent_against_target(client, make_staff, hefei, work_orders, django_assert_max_num_queries):
    login(client, make_staff("manager"))

    with django_assert_max_num_queries(12):
        response = client.get(reverse("orders:sla_kpis"), {"region": hefei.pk})

    assert response.status_code == 200
    (row,) = [r["kpi"] for r in response.context["kpis"]]
    assert (row.work_type, row.finished, row.on_time, row.late) == ("install", 3, 2, 1)
    assert row.on_time_percent == Decimal("66.67") and row.target_percent == Decimal("99")
    html = response.content.decode()
    # shown to one decimal, in red, because it is below the target
    assert '<td data-testid="percent" class="error">66.7 ▼</td>' in html
    assert 'class="below-target"' in html
    assert response.context["chart"]["values"] == [66.67] and response.context["chart"]["targets"] == [99.0]
    assert 'data-chart="percent"' in html

    # Breaches, latest first, with the work order's number resolved from the generic key
    lines = [row["line"] for row in response.context["breaches"]]
    assert [line.wo_no for line in lines] == [work_orders["running"].wo_no, work_orders["late"].wo_no]
    assert lines[0].still_open and lines[0].breach.escalated_to == ["hf-lead"]
    assert "hf-lead" in html
    assert response.context["breaches"][1]["late"] == "3 d 0 h"
    assert work_orders["wuhu_late"].wo_no not in html


def test_kpis_all_regions_and_period(client, make_staff, work_orders):
    login(client, make_staff("manager"))

    response = client.get(reverse("orders:sla_kpis"))
    (row,) = [r["kpi"] for r in response.context["kpis"]]
    assert (row.finished, row.late) == (4, 2)  # with Wuhu's late one
    assert response.context["until"] == timezone.localdate()
    assert response.context["since"] == timezone.localdate() - datetime.timedelta(days=29)

    earlier = timezone.localdate() - datetime.timedelta(days=100)
    old = client.get(reverse("orders:sla_kpis"), {"since": earlier, "until": earlier + datetime.timedelta(days=30)})
    (row,) = [r["kpi"] for r in old.context["kpis"]]
    assert (row.finished, row.on_time, row.on_time_percent) == (1, 0, Decimal("0.00"))
    # the breach recorded when it finished late is the only one of that period
    assert [row["line"].wo_no for row in old.context["breaches"]] == [work_orders["old"].wo_no]

    backwards = client.get(reverse("orders:sla_kpis"), {"since": "2026-03-10", "until": "2026-03-01"})
    assert 'data-testid="filter-errors"' in backwards.content.decode()


def test_kpis_of_a_regional_manager_and_csv(client, make_staff, wuhu, work_orders):
    login(client, make_staff("manager", region=wuhu))

    response = client.get(reverse("orders:sla_kpis"))
    (row,) = [r["kpi"] for r in response.context["kpis"]]
    assert (row.finished, row.on_time, row.late, row.on_time_percent) == (1, 0, 1, Decimal("0.00"))
    assert [row["line"].wo_no for row in response.context["breaches"]] == [work_orders["wuhu_late"].wo_no]

    rows = csv_rows(client.get(reverse("orders:sla_kpis"), {"export": "csv"}))
    assert rows == [
        ["Work type", "Finished", "On time", "Late", "On time (%)", "Target (%)", "Target met"],
        ["Install", "1", "0", "1", "0.0", "99.0", "no"],
    ]


def test_kpi_csv_for_the_province(client, make_staff, work_orders):
    login(client, make_staff("manager"))
    rows = csv_rows(client.get(reverse("orders:sla_kpis"), {"export": "csv"}))
    assert rows[1] == ["Install", "4", "2", "2", "50.0", "99.0", "no"]
    assert SlaBreach.objects.count() == 4  # late, running, Wuhu's and the old one


# --- Permissions ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        ("orders:commissions", ()),
        ("orders:commission_statement", ("PH-HF-01", "2026-03")),
        ("orders:sla_kpis", ()),
    ],
)
def test_a_clerk_may_not_see_the_reports(client, make_staff, outlets, url):
    name, args = url
    login(client, make_staff("hall_clerk"))
    assert client.get(reverse(name, args=args)).status_code == 403
    assert client.get(reverse(name, args=args), {"export": "csv"}).status_code == 403


def test_anonymous_is_sent_to_log_in(client):
    response = client.get(reverse("orders:commissions"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_export_needs_the_export_permission(client, make_staff, march):
    from django.contrib.auth.models import Permission

    manager = make_staff("manager")
    manager.groups.clear()
    manager.user_permissions.add(Permission.objects.get(codename="view_dashboards"))
    login(client, manager)
    assert client.get(reverse("orders:commissions"), {"month": "2026-03"}).status_code == 200
    assert client.get(reverse("orders:commissions"), {"month": "2026-03", "export": "csv"}).status_code == 403
