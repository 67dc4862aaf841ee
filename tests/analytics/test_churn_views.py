"""The retention work list, the churn-score API and the feature catalogue page."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from rest_framework.test import APIClient

from analytics.models import ChurnScore, ModelVersion
from crm.api.services import api_token_create

AS_OF = datetime.date(2026, 11, 30)
WORKLIST = "/analytics/churn/worklist/"
API = "/tmf-api/analytics/v1/churnScore"


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


@pytest.fixture
def scored(customer_history, make_staff, hefei):
    """Twelve active customers (six in Hefei, six in Wuhu) scored by a churn model; an older run is ignored."""
    history = customer_history(n=12)
    manager = make_staff("account_manager", region=hefei)
    period = {"train_from": datetime.date(2025, 1, 1), "train_to": datetime.date(2026, 1, 1)}
    version = ModelVersion.objects.create(kind="churn", version=1, algorithm="test", file="churn/v1.joblib", **period)
    reasons = [{"feature": "usage_trend_3m", "value": -0.6, "contribution": 0.2, "text": "x"},
               {"feature": "complaints_open", "value": 2.0, "contribution": 0.1, "text": "y"}]  # fmt: skip
    rows = []
    for i, customer in enumerate(history.customers):
        p = 0.05 + 0.07 * i
        band = "high" if p >= 0.3 else "medium" if p >= 0.1 else "low"
        rows.append(ChurnScore(as_of=AS_OF, customer=customer, model=version, probability=p, band=band,
                               reasons=reasons, region_id=customer.region_id))  # fmt: skip
        rows.append(ChurnScore(as_of=AS_OF - datetime.timedelta(days=30), customer=customer, model=version,
                               probability=0.99, band="high", reasons=[], region_id=customer.region_id))  # fmt: skip
    ChurnScore.objects.bulk_create(rows)
    history.customers[0].__class__.objects.filter(pk=history.customers[0].pk).update(account_manager=manager)
    return history, manager


def test_worklist_is_region_scoped_high_band_first_with_readable_reasons(
    scored, make_staff, django_assert_max_num_queries
):
    history, manager = scored
    client = _client(manager)
    with django_assert_max_num_queries(30):
        response = client.get(WORKLIST)
    assert response.status_code == 200
    page = response.content.decode()
    hefei = [c for c in history.customers if c.region.code == "340100"]
    wuhu = [c for c in history.customers if c.region.code == "340200"]
    assert all(c.customer_no in page for c in hefei)
    assert not any(c.customer_no in page for c in wuhu)
    assert "usage down 60 % in 3 months; 2 complaints unresolved" in page
    assert f"/customers/{hefei[0].customer_no}/" in page
    numbers = [s.customer.customer_no for s in response.context["object_list"]]
    assert numbers == [c.customer_no for c in sorted(hefei, key=lambda c: -c.pk)]  # highest probability first
    assert "Scores as of 2026-11-30 by churn model v1" in page


def test_worklist_filters_by_band_and_province_staff_see_every_region(scored, make_staff):
    analyst = _client(make_staff("marketing_analyst"))
    everything = analyst.get(WORKLIST)
    assert everything.context["total"] == 12
    high = analyst.get(WORKLIST, {"band": "high"})
    assert {s.band for s in high.context["object_list"]} == {"high"}
    assert high.context["total"] == sum(1 for i in range(12) if 0.05 + 0.07 * i >= 0.3)


def test_worklist_needs_a_working_role_and_the_hotline_may_look(scored, make_staff):
    assert _client(make_staff("hall_clerk")).get(WORKLIST).status_code == 403
    assert _client(make_staff("call_agent")).get(WORKLIST).status_code == 200


def test_worklist_exports_csv_with_the_reasons(scored):
    history, manager = scored
    response = _client(manager).get(WORKLIST, {"export": "csv", "band": "high"})
    assert response.status_code == 200
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][0].startswith("Exported by")  # the shared export's watermark line
    header, body = rows[1], [row for row in rows[2:] if row]
    assert "main reasons" in header and "churn probability" in header
    assert body and all("usage down 60 % in 3 months" in " ".join(row) for row in body)
    region_id = history.customers[0].region_id  # the manager's region (Hefei)
    assert len(body) == ChurnScore.objects.filter(as_of=AS_OF, band="high", region_id=region_id).count()


def _api(*scopes):
    _token, raw = api_token_create(client_name="churn-test", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="en")  # the reasons are read in English
    return client


def test_churn_score_api_filters_pages_and_bounds_its_queries(scored, hefei, django_assert_max_num_queries):
    api = _api("analytics:read")
    with django_assert_max_num_queries(12):
        response = api.get(API, {"limit": 5})
    assert response.status_code == 200
    assert response["X-Total-Count"] == "12"
    body = response.json()
    assert len(body) == 5 and body[0]["probability"] >= body[-1]["probability"]
    assert body[0]["@type"] == "ChurnScore" and body[0]["reason"][0]["text"] == "usage down 60 % in 3 months"
    assert body[0]["relatedParty"]["customerNumber"]
    only = api.get(API, {"region.id": hefei.pk, "band": "high"}).json()
    assert only and {s["region"]["id"] for s in only} == {str(hefei.pk)} and {s["band"] for s in only} == {"high"}
    assert _api("customer:read").get(API).status_code == 403


def test_churn_score_api_is_region_scoped_for_regional_staff(scored, hefei, make_staff):
    session = APIClient()
    session.force_login(make_staff("manager", region=hefei))
    response = session.get(API)
    assert response.status_code == 200
    assert response["X-Total-Count"] == "6"
    assert {s["region"]["id"] for s in response.json()} == {str(hefei.pk)}


def test_feature_catalogue_page_lists_every_feature(scored, make_staff):
    from analytics.features.catalog import CATALOG

    response = _client(make_staff("marketing_analyst")).get("/analytics/features/")
    assert response.status_code == 200
    page = response.content.decode()
    assert all(f'data-feature="{f.name}"' in page for f in CATALOG)
    assert "billing_sync.UsageMonthly.voice_seconds" in page
    assert _client(make_staff("hall_clerk")).get("/analytics/features/").status_code == 403
