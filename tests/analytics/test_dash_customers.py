"""Customer base dashboard (客户规模): customers at the month's end, adds and churn per month, churn-risk bands and
deciles of the newest scoring run, level migration up/down, scoping and exports; on a fixture counted by hand."""

from __future__ import annotations

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.utils import timezone
from openpyxl import load_workbook

from analytics.dashboards.customer_base import refresh_customer_base, refresh_level_migration
from analytics.dashboards.marts import mart_refresh
from analytics.models import ChurnScore, CustomerBaseMonthly, LevelMigrationMonthly, ModelVersion
from crm.accounts.roles import Role
from customers.models import ServiceLevelChange, ServiceLevelThreshold

from .dash_h7_fixtures import client_for, make_customer, make_product

SEP, OCT, NOV = datetime.date(2026, 9, 1), datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)
PAGE = "/analytics/dashboards/customers/"
PERIOD = {"period": "custom", "date_from": "2026-09-01", "date_to": "2026-11-30"}


def _changed(customer, from_level, to_level, day):
    change = ServiceLevelChange.objects.create(
        customer=customer, from_level=from_level, to_level=to_level, source="computed"
    )
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    ServiceLevelChange.objects.filter(pk=change.pk).update(changed_at=at)


@pytest.fixture
def base(db, hefei, wuhu):
    """Hefei: c1 gold since January, c2 basic joined 5 Oct, c3 silver churned 20 Oct (last of two lines), c4 a
    suspended key account, a prospect; Wuhu: c5 joined 3 Nov. Level moves: c1 silver→gold (Oct, up), c3 gold→silver
    (Sep, down), c5 basic→silver (Nov, Wuhu, up), a first level for c2 (not a move). Churn scores of two runs."""
    if not ServiceLevelThreshold.objects.exists():
        importlib.import_module("customers.migrations.0004_level_thresholds_and_name_search").seed(apps, None)
    c1 = make_customer(
        hefei,
        level="gold",
        since=datetime.date(2026, 1, 15),
        segment="Champions",
        value_group="high",
        activity_group="high",
    )
    c2 = make_customer(hefei, since=datetime.date(2026, 10, 5), segment="New", value_group="low")
    c3 = make_customer(hefei, level="silver", since=datetime.date(2025, 6, 1), status="churned", segment="At risk")
    make_product(c3, end=datetime.date(2026, 9, 1))
    make_product(c3, kind="broadband", end=datetime.date(2026, 10, 20))
    c4 = make_customer(
        hefei, customer_class="key_account", level="1A", since=datetime.date(2024, 1, 1), status="suspended"
    )
    make_customer(hefei, since=datetime.date(2026, 10, 1), status="prospect")
    c5 = make_customer(wuhu, since=datetime.date(2026, 11, 3), level="silver")
    _changed(c1, "silver", "gold", datetime.date(2026, 10, 2))
    _changed(c3, "gold", "silver", datetime.date(2026, 9, 10))
    _changed(c5, "basic", "silver", datetime.date(2026, 11, 20))
    _changed(c2, "", "basic", datetime.date(2026, 10, 5))
    period = {"train_from": datetime.date(2025, 1, 1), "train_to": datetime.date(2026, 6, 30)}
    model = ModelVersion.objects.create(kind="churn", version=1, algorithm="test", file="churn/v1.joblib", **period)
    old = datetime.date(2026, 10, 31)
    ChurnScore.objects.create(as_of=old, customer=c2, model=model, probability=0.9, band="high", region_id=hefei.pk)
    new = datetime.date(2026, 11, 30)
    for customer, probability, band in (
        (c1, 0.35, "high"),
        (c2, 0.12, "medium"),
        (c5, 0.91, "high"),
        (c4, 0.99, "high"),
        (c3, 0.5, "high"),
    ):
        ChurnScore.objects.create(
            as_of=new, customer=customer, model=model, probability=probability, band=band, region_id=customer.region_id
        )
    return {"c1": c1, "c2": c2, "c3": c3, "c4": c4, "c5": c5}


def _sum(month, **dims):
    rows = CustomerBaseMonthly.objects.filter(month=month, **dims)
    return tuple(sum(getattr(r, f) for r in rows) for f in ("customers", "added", "churned"))


def test_customers_at_each_month_end_with_adds_and_churn(base, hefei, wuhu):
    refresh_customer_base(SEP, datetime.date(2026, 11, 30))

    # Sept: c1, c3 (still there), c4; Oct: c3 left on the 20th (its last line), c2 joined; Nov: Wuhu's c5 joined.
    assert _sum(SEP, region_id=hefei.pk) == (3, 0, 0)
    assert _sum(OCT, region_id=hefei.pk) == (3, 1, 1)
    assert _sum(NOV, region_id=hefei.pk) == (3, 0, 0)
    assert _sum(NOV, region_id=wuhu.pk) == (1, 1, 0)
    assert _sum(OCT, region_id=wuhu.pk) == (0, 0, 0)
    assert _sum(NOV, service_level="1A", customer_class="key_account") == (1, 0, 0)
    assert _sum(OCT, segment="At risk") == (0, 0, 1)
    # Levels at each month's end from the level changes: c1 was silver until 2 Oct, c3 silver from 10 Sep, c5 silver
    # from 20 Nov (basic before).
    assert _sum(SEP, service_level="silver") == (2, 0, 0) and _sum(SEP, service_level="gold") == (0, 0, 0)
    assert _sum(OCT, service_level="gold") == (1, 0, 0) and _sum(OCT, service_level="silver") == (0, 0, 1)
    assert _sum(NOV, region_id=wuhu.pk, service_level="silver") == (1, 1, 0)


def test_refreshing_again_replaces_the_months(base):
    first = mart_refresh("customer_base_monthly", since=SEP, until=datetime.date(2026, 11, 30))
    rows = sorted(CustomerBaseMonthly.objects.values_list("month", "region_id", "segment", "customers", "added"))
    second = mart_refresh("customer_base_monthly", since=SEP, until=datetime.date(2026, 11, 30))
    assert first == second == CustomerBaseMonthly.objects.count()
    assert (
        sorted(CustomerBaseMonthly.objects.values_list("month", "region_id", "segment", "customers", "added")) == rows
    )
    mart_refresh("level_migration_monthly", since=SEP, until=datetime.date(2026, 11, 30))
    assert mart_refresh("level_migration_monthly", since=SEP, until=datetime.date(2026, 11, 30)) == 3


def test_level_migration_rows(base, hefei, wuhu):
    assert refresh_level_migration(SEP, datetime.date(2026, 11, 30)) == 3
    assert set(
        LevelMigrationMonthly.objects.values_list("month", "region_id", "from_level", "to_level", "customers")
    ) == {
        (OCT, hefei.pk, "silver", "gold", 1),
        (SEP, hefei.pk, "gold", "silver", 1),
        (NOV, wuhu.pk, "basic", "silver", 1),
    }


def _refresh_all():
    refresh_customer_base(SEP, datetime.date(2026, 11, 30))
    refresh_level_migration(SEP, datetime.date(2026, 11, 30))


def _figures(page) -> dict[str, object]:
    return {str(f.label): f.value for f in page.context["data"].figures}


def _table(page, key):
    return next(t for t in page.context["data"].tables if t.key == key)


def test_the_province_dashboard(base, make_staff, hefei, wuhu):
    _refresh_all()
    page = client_for(make_staff(Role.MANAGER)).get(PAGE, PERIOD)

    assert page.status_code == 200
    figures = _figures(page)
    # 3 in Hefei + 1 in Wuhu at the end of November; c2 and c5 joined, c3 left; one up in Oct and Nov, one down.
    assert figures["Customers"] == 4 and figures["New in the period"] == 2 and figures["Churned in the period"] == 1
    assert figures["Net adds"] == 1 and figures["Moved up a level"] == 2 and figures["Moved down a level"] == 1
    # The newest run's high band among active customers: c1 and c5 (c4 is suspended, c3 churned).
    assert figures["High churn risk (work list)"] == 2
    assert _table(page, "per_month").rows == [
        {"month": "2026-09", "customers": 3, "added": 0, "churned": 0, "net": 0},
        {"month": "2026-10", "customers": 3, "added": 1, "churned": 1, "net": 0},
        {"month": "2026-11", "customers": 4, "added": 1, "churned": 0, "net": 1},
    ]
    by_class = {r["group"]: (r["customers"], r["share"]) for r in _table(page, "by_customer_class").rows}
    assert by_class == {"Public (公众客户)": (3, 75.0), "Key account (政企客户)": (1, 25.0)}
    risk = _table(page, "churn_risk")
    assert [(r["region"], r["high"], r["medium"], r["scored"]) for r in risk.rows] == [
        (hefei.name, 1, 1, 2),
        (wuhu.name, 1, 0, 1),
    ]
    assert risk.links[0] == f"/analytics/churn/worklist/?band=high&region={hefei.pk}"
    deciles = {r["decile"]: r["customers"] for r in _table(page, "churn_deciles").rows}
    assert deciles["10–20 %"] == 1 and deciles["30–40 %"] == 1 and deciles["90–100 %"] == 1
    assert sum(deciles.values()) == 3
    moves = {(r["from"], r["to"]): (r["customers"], r["direction"]) for r in _table(page, "level_migration").rows}
    assert moves[("Gold (金)", "Silver (银)")] == (1, "down") and moves[("Silver (银)", "Gold (金)")] == (1, "up")
    heat = next(c for c in page.context["data"].charts if c.key == "level_migration")
    assert sorted(v[2] for v in heat.data["values"]) == [1, 1, 1] and len(heat.data["x"]) == 3


def test_a_regional_manager_sees_their_region_only(base, make_staff, hefei, wuhu):
    _refresh_all()
    page = client_for(make_staff(Role.MANAGER, region=wuhu)).get(PAGE, {**PERIOD, "region": hefei.pk})

    figures = _figures(page)
    assert figures["Customers"] == 1 and figures["New in the period"] == 1 and figures["Churned in the period"] == 0
    assert figures["Moved up a level"] == 1 and figures["Moved down a level"] == 0
    assert [r["region"] for r in _table(page, "churn_risk").rows] == [wuhu.name]
    # A province manager choosing Hefei gets Hefei.
    hefei_page = client_for(make_staff(Role.MANAGER)).get(PAGE, {**PERIOD, "region": hefei.pk})
    assert _figures(hefei_page)["Customers"] == 3


def test_export_holds_the_tables(base, make_staff):
    _refresh_all()
    client = client_for(make_staff(Role.MANAGER))

    workbook = load_workbook(io.BytesIO(client.get(PAGE, {**PERIOD, "export": "xlsx"}).content))
    assert "2026-10" in [row[0].value for sheet in workbook.worksheets for row in sheet.iter_rows()]
    csv = client.get(PAGE, {**PERIOD, "export": "csv", "table": "level_migration"}).content.decode("utf-8-sig")
    assert "Gold (金)" in csv and "down" in csv


def test_the_page_reads_a_bounded_number_of_queries(base, make_staff, django_assert_max_num_queries):
    _refresh_all()
    client = client_for(make_staff(Role.MANAGER))
    with django_assert_max_num_queries(22):
        assert client.get(PAGE, PERIOD).status_code == 200


def test_before_the_first_scoring_run_the_risk_charts_are_left_out(base, make_staff):
    _refresh_all()
    ChurnScore.objects.all().delete()
    page = client_for(make_staff(Role.MANAGER)).get(PAGE, PERIOD)

    keys = {c.key for c in page.context["data"].charts}
    assert "churn_bands" not in keys and "churn_deciles" not in keys and "per_month" in keys
    assert _table(page, "churn_risk").rows == [] and "No churn scoring run yet." in page.content.decode()
    assert _figures(page)["High churn risk (work list)"] == 0
