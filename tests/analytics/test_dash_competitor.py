"""Competitor dashboard (竞争对手分析): the seeded number ranges, calls per network from the other party's prefix
(+86/86 stripped), competitor shares by region, customers shifting towards a competitor (masked, linked to the 360),
and the feature store's ``competitor_share_3m`` (nothing after the cut-off)."""

from __future__ import annotations

import csv
import datetime
import importlib
import io

import pytest
from django.apps import apps

from analytics.dashboards.marts import mart_refresh
from analytics.features.competitor import competitor_calls
from analytics.features.store import features_replace
from analytics.models import CompetitorMonthly, CompetitorShift, CustomerFeatures, NumberRange
from crm.accounts.roles import Role

from .dash_h8_fixtures import client_for, line, local, usage

pytestmark = pytest.mark.django_db
DEC = datetime.date(2026, 12, 1)
DECEMBER = {"period": "custom", "date_from": "2026-12-01", "date_to": "2026-12-31"}
NOVEMBER = {"period": "custom", "date_from": "2026-11-01", "date_to": "2026-11-30"}
OWN, MOBILE, UNICOM = "18912345678", "13812345678", "13012345678"


@pytest.fixture(autouse=True)
def ranges(db):
    """The seeded ranges (a transactional test elsewhere may have flushed them)."""
    if not NumberRange.objects.exists():
        importlib.import_module("analytics.migrations.0006_number_ranges_seed").seed(apps, None)


def _calls(product, month: int, numbers: list[str], *, year: int = 2026, outgoing: bool = True) -> None:
    for i, number in enumerate(numbers):
        usage(product, local(datetime.date(year, month, 1 + i), 10), seconds=60, other=number, outgoing=outgoing)


@pytest.fixture
def calls(hefei, wuhu):
    """December: x (Hefei) calls China Mobile twice (one as +86…, 60 s and 120 s), is called from Unicom, calls our
    network and a fixed line; y (Wuhu) calls 86138… once. June–November: z (Hefei) 20 calls to us in Jun–Aug, then
    10 of 20 with China Mobile in Sep–Nov (4 in Oct, 6 in Nov); w (Hefei) steady at 5 of 20 and 6 of 20."""
    x, y = line("x", hefei), line("y", wuhu)
    usage(x, local(DEC, 9), seconds=60, other=MOBILE)
    usage(x, local(DEC, 10), seconds=120, other="+8613900000001")
    usage(x, local(DEC, 11), seconds=30, other=UNICOM, outgoing=False)
    usage(x, local(DEC, 12), seconds=60, other=OWN)
    usage(x, local(DEC, 13), seconds=60, other="055162345678")
    usage(y, local(DEC, 9), seconds=60, other="8613812345678")
    usage(x, local(DEC, 14), kind="data", kb=100)  # not a call
    z, w = line("z", hefei), line("w", hefei)
    _calls(z, 6, [OWN] * 7)
    _calls(z, 7, [OWN] * 7)
    _calls(z, 8, [OWN] * 6)
    _calls(z, 9, [OWN] * 7)
    _calls(z, 10, [OWN] * 3 + [MOBILE] * 4)
    _calls(z, 11, [MOBILE] * 6)
    _calls(w, 6, [OWN] * 5 + [MOBILE] * 2)
    _calls(w, 7, [OWN] * 5 + [UNICOM] * 2)
    _calls(w, 8, [OWN] * 5 + [MOBILE])
    _calls(w, 9, [OWN] * 5 + [MOBILE] * 2)
    _calls(w, 10, [OWN] * 5 + [MOBILE] * 2)
    _calls(w, 11, [OWN] * 4 + [UNICOM] * 2)
    return {"x": x, "y": y, "z": z, "w": w}


def test_the_ranges_of_the_four_networks_are_seeded():
    operators = dict(NumberRange.objects.values_list("prefix", "operator"))
    assert (operators["189"], operators["139"], operators["186"], operators["192"]) == (
        "telecom",
        "mobile",
        "unicom",
        "broadnet",
    )
    assert set(NumberRange.objects.filter(is_own=True).values_list("operator", flat=True)) == {"telecom"}
    assert len(operators) == 12 + 23 + 14 + 1


def test_calls_per_network_strip_the_country_code(calls, hefei, wuhu):
    mart_refresh("competitor_monthly", since=DEC, until=datetime.date(2026, 12, 31))

    rows = {
        (r.region_id, r.operator, r.outgoing): (r.calls, r.seconds, r.customers)
        for r in CompetitorMonthly.objects.filter(month=DEC)
    }
    assert rows == {
        (hefei.pk, "mobile", True): (2, 180, 1),
        (hefei.pk, "unicom", False): (1, 30, 1),
        (hefei.pk, "telecom", True): (1, 60, 1),
        (hefei.pk, "", True): (1, 60, 1),  # the fixed line
        (wuhu.pk, "mobile", True): (1, 60, 1),
    }


def test_shifts_towards_a_competitor_and_refreshing_twice(calls):
    for _ in range(2):
        mart_refresh("competitor_shift", since=datetime.date(2026, 11, 1), until=datetime.date(2026, 11, 30))

    shifts = list(CompetitorShift.objects.all())
    assert len(shifts) == 1  # w's share rose by 5 points only
    shift = shifts[0]
    assert shift.customer_id == calls["z"].customer_id and shift.operator == "mobile"
    assert (shift.share_before, shift.share_recent, shift.calls_recent) == (0.0, 0.5, 20)


def test_the_page_shows_shares_and_lists_shifting_customers_masked(calls, make_staff, django_assert_max_num_queries):
    mart_refresh("competitor_monthly", since=datetime.date(2026, 6, 1), until=datetime.date(2026, 12, 31))
    mart_refresh("competitor_shift", since=datetime.date(2026, 11, 1), until=datetime.date(2026, 11, 30))
    client = client_for(make_staff(Role.MANAGER))

    with django_assert_max_num_queries(30):
        december = client.get("/analytics/dashboards/competitor/", DECEMBER)

    figures = {str(f.label): f.value for f in december.context["data"].figures}
    assert figures["Competitors' share of calls"] == 80.0  # 4 of 5 identified calls
    tables = {t.key: t for t in december.context["data"].tables}
    assert sorted(r["share"] for r in tables["regions"].rows) == [75.0, 100.0]  # Hefei 3 of 4, Wuhu 1 of 1
    by_network = {r["operator"]: (r["outgoing"], r["incoming"]) for r in tables["operators"].rows}
    assert by_network == {"China Mobile (中国移动)": (3, 0), "China Unicom (中国联通)": (0, 1)}

    november = client.get("/analytics/dashboards/competitor/", NOVEMBER)
    shifts = {t.key: t for t in november.context["data"].tables}["shifts"]
    assert [(r["customer"], r["name"], r["before"], r["recent"]) for r in shifts.rows] == [("CH8z", "王**", 0.0, 50.0)]
    assert shifts.links == {0: "/customers/CH8z/"}
    assert "王z明" not in november.content.decode()


def test_a_regional_manager_sees_their_region_only_and_exports(calls, make_staff, hefei, wuhu):
    mart_refresh("competitor_monthly", since=DEC, until=datetime.date(2026, 12, 31))
    mart_refresh("competitor_shift", since=datetime.date(2026, 11, 1), until=datetime.date(2026, 11, 30))
    client = client_for(make_staff(Role.MANAGER, region=wuhu))

    page = client.get("/analytics/dashboards/competitor/", {**DECEMBER, "region": hefei.pk})
    tables = {t.key: t for t in page.context["data"].tables}
    assert [(r["region"], r["share"]) for r in tables["regions"].rows] == [(wuhu.name, 100.0)]
    assert client.get("/analytics/dashboards/competitor/", NOVEMBER).context["data"].tables[-1].rows == []

    export = client.get("/analytics/dashboards/competitor/", {**DECEMBER, "export": "csv", "table": "regions"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert [wuhu.name, "1", "1", "100.0"] in rows and hefei.name not in {r[0] for r in rows if r}


def test_the_feature_store_gets_the_share_of_the_last_full_months_only(calls):
    z = calls["z"]
    # 31 Oct: Aug–Oct, 4 of 20 calls; November's 6 competitor calls come after the cut-off.
    frame = competitor_calls(datetime.date(2026, 10, 31), z.customer_id, z.customer_id + 1)
    assert frame.to_dict("records") == [
        {"customer_id": z.customer_id, "competitor_calls": 4.0, "identified_calls": 20.0}
    ]
    # Mid-November: October is the last full month, so the same window.
    features_replace(as_of=datetime.date(2026, 11, 20), lo=z.customer_id, hi=z.customer_id + 1)
    stored = CustomerFeatures.objects.get(as_of=datetime.date(2026, 11, 20), customer_id=z.customer_id)
    assert stored.competitor_share_3m == pytest.approx(0.2)
    features_replace(as_of=datetime.date(2026, 11, 30), lo=z.customer_id, hi=z.customer_id + 1)
    assert CustomerFeatures.objects.get(
        as_of=datetime.date(2026, 11, 30), customer_id=z.customer_id
    ).competitor_share_3m == pytest.approx(0.5)
