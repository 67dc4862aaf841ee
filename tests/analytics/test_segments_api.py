"""GET /tmf-api/analytics/v1/segmentProfile and /creditScore: scope, latest run, region scoping, query budget."""

import datetime

import pytest
from rest_framework.test import APIClient

from analytics.models import AnalyticsJob, CreditScore, ModelVersion, SegmentProfile
from crm.api.services import api_token_create
from tests.analytics.population_h5 import make_customer

pytestmark = pytest.mark.django_db
AS_OF = datetime.date(2026, 11, 30)


def _api(*scopes: str) -> APIClient:
    _token, raw = api_token_create(client_name=f"seg-{'-'.join(scopes) or 'none'}", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def results(hefei, wuhu):
    old = AnalyticsJob.objects.create(
        kind="segmentation", run_key="seg:old", as_of=AS_OF, status="done", finished_at="2026-11-01T03:00:00+08:00"
    )
    new = AnalyticsJob.objects.create(
        kind="segmentation", run_key="seg:new", as_of=AS_OF, status="done", finished_at="2026-12-01T03:00:00+08:00"
    )
    SegmentProfile.objects.create(job=old, cluster=0, label="old", size=1)
    for cluster in range(3):
        SegmentProfile.objects.create(
            job=new,
            cluster=cluster,
            label=f"c{cluster}",
            size=10,
            profile={"features": {"data_mb": {"mean": 1.0, "z": 0.1}}},
        )
    model = ModelVersion.objects.create(
        kind="credit", version=1, status="promoted", algorithm="t", train_from=AS_OF, train_to=AS_OF, file="x"
    )
    for i in range(6):
        customer, _a, _l = make_customer(hefei if i % 2 else wuhu, with_line=False)
        CreditScore.objects.create(
            as_of=AS_OF,
            customer=customer,
            model=model,
            score=20 + 10 * i,
            grade="D" if i < 2 else "B",
            bad_debt_probability=0.1,
        )
    return old, new


def test_profiles_of_the_latest_run_or_of_a_given_job(results, django_assert_max_num_queries):
    old, _new = results
    api = _api("analytics:read")
    with django_assert_max_num_queries(6):
        rows = api.get("/tmf-api/analytics/v1/segmentProfile").json()
    assert [r["label"] for r in rows] == ["c0", "c1", "c2"]
    assert rows[0]["profile"]["data_mb"]["z"] == 0.1
    older = api.get("/tmf-api/analytics/v1/segmentProfile", {"job.id": old.pk}).json()
    assert [r["label"] for r in older] == ["old"]
    assert _api("billing:read").get("/tmf-api/analytics/v1/segmentProfile").status_code == 403


def test_credit_scores_lowest_first_filtered_and_region_scoped(
    results, client, make_staff, hefei, django_assert_max_num_queries
):
    api = _api("analytics:read")
    with django_assert_max_num_queries(8):
        rows = api.get("/tmf-api/analytics/v1/creditScore").json()
    assert [r["score"] for r in rows] == [20, 30, 40, 50, 60, 70]
    assert len(api.get("/tmf-api/analytics/v1/creditScore", {"grade": "D"}).json()) == 2
    client.force_login(make_staff("manager", region=hefei))
    mine = client.get("/tmf-api/analytics/v1/creditScore").json()
    assert {r["region"]["name"] for r in mine} == {"合肥"} and len(mine) == 3
