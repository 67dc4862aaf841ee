"""X-Total-Count past the exact-count limit is the planner's estimate (flagged), and keyset paging with ?after=."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from crm.accounts.models import OrgUnit
from crm.api.pagination import bounded_count, planner_estimate
from crm.api.services import api_token_create

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]
URL = "/tmf-api/testOrganisation/v4/orgUnit"


@pytest.fixture
def api(db) -> APIClient:
    _token, raw = api_token_create(client_name="perf", scopes=["customer:read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def many_units(hefei) -> list[OrgUnit]:
    OrgUnit.objects.bulk_create(
        OrgUnit(code=f"U{i:04d}", name=f"营业厅{i}", kind="own_hall", region=hefei) for i in range(300)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_orgunit")
    return list(OrgUnit.objects.order_by("pk"))


def test_total_below_the_limit_is_exact_and_not_flagged(api, many_units, settings):
    settings.TMF_API = {**settings.TMF_API, "EXACT_COUNT_LIMIT": 1000}
    response = api.get(URL, {"limit": 5})
    assert response.status_code == 200
    assert response["X-Total-Count"] == "300"
    assert "X-Total-Count-Estimated" not in response


def test_total_past_the_limit_is_the_planner_estimate_and_flagged(api, many_units, settings):
    # given an exact-count limit below the 300 rows
    settings.TMF_API = {**settings.TMF_API, "EXACT_COUNT_LIMIT": 50}
    # when the list is asked for
    response = api.get(URL, {"limit": 5})
    # then the total is an estimate near 300 (statistics were just gathered) and says so
    assert response.status_code == 200
    assert response["X-Total-Count-Estimated"] == "true"
    assert 240 <= int(response["X-Total-Count"]) <= 360
    assert response["X-Result-Count"] == "5"


def test_an_estimated_total_never_hides_a_page(api, many_units, settings):
    settings.TMF_API = {**settings.TMF_API, "EXACT_COUNT_LIMIT": 10}
    response = api.get(URL, {"offset": 295, "limit": 20})
    assert [u["code"] for u in response.json()] == [f"U{i:04d}" for i in range(295, 300)]


def test_bounded_count_reads_at_most_the_limit_then_estimates(many_units, django_assert_num_queries):
    queryset = OrgUnit.objects.filter(code__startswith="U")
    with django_assert_num_queries(1):
        assert bounded_count(queryset, 1000) == (300, False)
    total, estimated = bounded_count(queryset, 100)
    assert estimated and total >= 101
    assert planner_estimate(queryset.filter(code="U0001")) <= 5


def test_keyset_pages_walk_every_row_once_in_id_order(api, many_units):
    seen, after, pages = [], 0, 0
    while after is not None:
        response = api.get(URL, {"after": after, "limit": 70})
        assert response.status_code == 200, response.content
        seen += [int(u["id"]) for u in response.json()]
        after = response.get("X-Next-After")
        pages += 1
    assert seen == [u.pk for u in many_units]
    assert pages == 5  # 70, 70, 70, 70, 20 (the last page is short: no cursor)


def test_keyset_paging_keeps_filters(api, many_units):
    response = api.get(URL, {"after": many_units[9].pk, "limit": 3, "kind": "own_hall"})
    assert [int(u["id"]) for u in response.json()] == [u.pk for u in many_units[10:13]]
    assert response["X-Next-After"] == str(many_units[12].pk)


@pytest.mark.parametrize("extra", [{"sort": "name"}, {"offset": "20"}])
def test_after_cannot_be_combined_with_sort_or_offset(api, many_units, extra):
    response = api.get(URL, {"after": 1, **extra})
    assert response.status_code == 400
    assert "after" in response.json()["message"]


def test_bad_cursor_is_a_400(api, many_units):
    assert api.get(URL, {"after": "abc"}).status_code == 400
