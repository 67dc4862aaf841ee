"""Consumption behaviour dashboard (消费行为): usage, spend bands, value-added services and bundle holding per month
from monthly usage, bills and subscriptions; averages, mix and uptake by segment; scoping and exports. Counted by hand
on a small fixture."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from analytics.dashboards.consumption import refresh_consumption, usage_mix
from analytics.dashboards.marts import mart_refresh
from analytics.models import ConsumptionMonthly
from billing_sync.models import UsageMonthly
from crm.accounts.roles import Role

from .dash_h7_fixtures import account_of, client_for, make_bill, make_customer, make_product

OCT, NOV = datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)
PAGE = "/analytics/dashboards/consumption/"
GB = 1024 * 1024  # in KB
PERIOD = {"period": "custom", "date_from": "2026-11-01", "date_to": "2026-11-30"}


def _usage(product, month, *, seconds=0, kb=0, sms=0):
    UsageMonthly.objects.create(
        product=product,
        customer=product.customer,
        account=account_of(product.customer),
        month=month,
        voice_seconds=seconds,
        data_kb=kb,
        sms_count=sms,
    )


@pytest.fixture
def consumption(db, hefei, wuhu):
    """Hefei in November: c1 Champions (30 min, 100 GB, 10 SMS on two lines; 150 yuan bill of which 20 VAS; a live
    bundle), c2 Champions (60 min, 300 GB; 30 yuan; its bundle ended in October), c3 At risk (5 SMS, no bill; a bundle
    ordered but not live), c4 no segment (no usage; 250 yuan; bundle from 20 Nov); c5 only in October. Wuhu: c6
    Champions (2 min, 2 GB, 2 SMS; 60 yuan)."""
    c1 = make_customer(hefei, segment="Champions", value_group="high", behaviour="data-heavy")
    line, second, vas = make_product(c1), make_product(c1), make_product(c1, kind="vas")
    make_product(c1, bundle=True, start=datetime.date(2025, 1, 1))
    _usage(line, NOV, seconds=600, kb=100 * GB, sms=10)
    _usage(second, NOV, seconds=1200)
    make_bill(c1, NOV, "150.00", [(line, "130.00"), (vas, "20.00")])

    c2 = make_customer(hefei, segment="Champions", value_group="medium")
    _usage(make_product(c2), NOV, seconds=3600, kb=300 * GB)
    make_bill(c2, NOV, "30.00")
    make_product(c2, bundle=True, start=datetime.date(2025, 1, 1), end=datetime.date(2026, 10, 15))

    c3 = make_customer(hefei, segment="at_risk")
    _usage(make_product(c3), NOV, sms=5)
    pending = make_product(c3, bundle=True, start=None)
    pending.status = "created"
    pending.save()

    c4 = make_customer(hefei)
    make_bill(c4, NOV, "250.00")
    make_product(c4, bundle=True, start=datetime.date(2026, 11, 20))

    c5 = make_customer(hefei, segment="Champions")
    _usage(make_product(c5), OCT, seconds=60)
    make_bill(c5, OCT, "80.00")

    c6 = make_customer(wuhu, segment="Champions")
    _usage(make_product(c6), NOV, seconds=120, kb=2 * GB, sms=2)
    make_bill(c6, NOV, "60.00")


def _mart(month, **dims):
    rows = ConsumptionMonthly.objects.filter(month=month, **dims)
    fields = ("customers", "bundle_customers", "voice_minutes", "data_mb", "sms", "vas_revenue", "spend")
    return tuple(sum(getattr(r, f) for r in rows) for f in fields)


def test_the_aggregate_per_month(consumption, hefei, wuhu):
    refresh_consumption(OCT, datetime.date(2026, 11, 30))

    assert _mart(NOV, region_id=hefei.pk, segment="Champions") == (2, 1, 90, 400 * 1024, 10, 20, 180)
    assert _mart(NOV, region_id=hefei.pk, segment="at_risk") == (1, 0, 0, 0, 5, 0, 0)
    assert _mart(NOV, region_id=hefei.pk, segment="") == (1, 1, 0, 0, 0, 0, 250)
    assert _mart(NOV, region_id=wuhu.pk) == (1, 0, 2, 2 * 1024, 2, 0, 60)
    assert _mart(OCT) == (1, 0, 1, 0, 0, 0, 80)
    bands = {b: _mart(NOV, spend_band=b)[0] for b in ("0-30", "30-60", "60-100", "100-200", ">200")}
    assert bands == {"0-30": 2, "30-60": 1, "60-100": 0, "100-200": 1, ">200": 1}  # 30.00 is in 0-30
    assert ConsumptionMonthly.objects.get(month=NOV, value_group="high").behaviour_segment == "data-heavy"


def test_refreshing_again_gives_the_same_rows(consumption):
    rows = mart_refresh("consumption_monthly", since=OCT, until=datetime.date(2026, 11, 30))
    before = set(ConsumptionMonthly.objects.values_list("month", "region_id", "segment", "spend_band", "customers"))
    assert mart_refresh("consumption_monthly", since=OCT, until=datetime.date(2026, 11, 30)) == rows == len(before)
    assert (
        set(ConsumptionMonthly.objects.values_list("month", "region_id", "segment", "spend_band", "customers"))
        == before
    )


def _rows(page, key):
    return next(t for t in page.context["data"].tables if t.key == key).rows


def _figures(page):
    return {str(f.label): f.value for f in page.context["data"].figures}


def test_the_province_dashboard(consumption, make_staff):
    refresh_consumption(OCT, datetime.date(2026, 11, 30))
    page = client_for(make_staff(Role.MANAGER)).get(PAGE, PERIOD)

    assert page.status_code == 200
    usage = {r["group"]: r for r in _rows(page, "usage")}
    champions = usage["Champions"]  # c1, c2 and Wuhu's c6
    assert champions["customers"] == 3 and champions["voice"] == 30.67 and champions["data"] == 134.0
    assert champions["sms"] == 4.0 and champions["vas"] == 6.67 and champions["spend"] == 80.0
    assert champions["bundle"] == 33.3
    assert usage["At risk (重要保持客户)"]["bundle"] == 0.0 and usage["(none)"]["bundle"] == 100.0
    bands = {r["band"]: r["customers"] for r in _rows(page, "spend_bands")}
    assert bands == {"0-30": 2, "30-60": 1, "60-100": 0, "100-200": 1, ">200": 1}
    figures = _figures(page)
    assert figures["Customer-months"] == 5 and figures["Spend per customer and month"] == 98.0
    assert figures["With a bundle"] == 40.0
    mix = next(c for c in page.context["data"].charts if c.key == "usage_mix").data
    at_risk = mix["categories"].index("At risk (重要保持客户)")  # the segment's name, not its code
    assert [s["values"][at_risk] for s in mix["series"]] == [0.0, 0.0, 100.0, 0.0]  # messages only
    bundle = next(c for c in page.context["data"].charts if c.key == "bundle_uptake").data
    assert dict(zip(bundle["categories"], bundle["values"], strict=True))["Champions"] == 33.3


def test_usage_mix_of_an_average_group_is_even():
    rows = [{"customers": 2, "sums": {"voice_minutes": 20, "data_mb": 200, "sms": 4, "vas_revenue": 6}}]
    assert usage_mix(rows) == [[25.0, 25.0, 25.0, 25.0]]


def test_grouping_by_value_group(consumption, make_staff):
    refresh_consumption(OCT, datetime.date(2026, 11, 30))
    page = client_for(make_staff(Role.MANAGER)).get(PAGE, {**PERIOD, "by": "value_group"})
    usage = {r["group"]: r["customers"] for r in _rows(page, "usage")}
    assert usage == {"High": 1, "Medium": 1, "(none)": 3}
    assert b'aria-current="true">Value group' in page.content


def test_a_regional_manager_sees_their_region_only(consumption, make_staff, hefei, wuhu):
    refresh_consumption(OCT, datetime.date(2026, 11, 30))
    page = client_for(make_staff(Role.MANAGER, region=wuhu)).get(PAGE, {**PERIOD, "region": hefei.pk})
    figures = _figures(page)
    assert figures["Customer-months"] == 1 and figures["Spend per customer and month"] == 60.0
    assert [r["group"] for r in _rows(page, "usage")] == ["Champions"]


def test_exports_and_bounded_queries(consumption, make_staff, django_assert_max_num_queries):
    refresh_consumption(OCT, datetime.date(2026, 11, 30))
    client = client_for(make_staff(Role.MANAGER))
    workbook = load_workbook(io.BytesIO(client.get(PAGE, {**PERIOD, "export": "xlsx"}).content))
    cells = [c.value for sheet in workbook.worksheets for row in sheet.iter_rows() for c in row]
    assert "Champions" in cells and ">200" in cells
    csv = client.get(PAGE, {**PERIOD, "export": "csv", "table": "spend_bands"}).content.decode("utf-8-sig")
    assert "100-200" in csv
    with django_assert_max_num_queries(12):
        assert client.get(PAGE, PERIOD).status_code == 200
