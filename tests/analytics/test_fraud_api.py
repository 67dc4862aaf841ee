"""GET /tmf-api/analytics/v1/fraudAlert: scope, filters, paging, region scoping and a bounded query count."""

import pytest
from rest_framework.test import APIClient

from crm.api.services import api_token_create
from tests.customers.conftest import people, subscribe  # noqa: F401

from .test_fraud_job import fraud_rules  # noqa: F401
from .test_fraud_review import make_alert  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/tmf-api/analytics/v1/fraudAlert"


def _api(*scopes: str) -> APIClient:
    _token, raw = api_token_create(client_name=f"fraud-{'-'.join(scopes) or 'none'}", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def alerts(people, subscribe, make_alert):  # noqa: F811
    zhang_line, wuhu_line = subscribe(people["zhang"], "59"), subscribe(people["zhangw"], "39")
    out = [make_alert(people["zhang"], zhang_line, severity="critical") for _ in range(6)]
    out.append(make_alert(people["zhangw"], wuhu_line, rule="wangiri", severity="high"))
    out.append(make_alert(people["zhang"], None, rule="subscription-fraud", severity="high", status="confirmed"))
    return out


def test_the_alert_list_pages_filters_and_stays_within_a_query_budget(alerts, django_assert_max_num_queries, hefei):
    api = _api("analytics:read")
    with django_assert_max_num_queries(8):
        response = api.get(URL, {"limit": 5})
    assert response.status_code == 200, response.content
    assert response["X-Total-Count"] == "8" and len(response.json()) == 5
    first = response.json()[0]
    assert first["@type"] == "FraudAlert" and first["alertNumber"] == alerts[-1].alert_no  # newest first
    assert first["product"] is None and first["relatedParty"]["customerNumber"] == "C00000000001"
    with django_assert_max_num_queries(8):
        every = api.get(URL, {"limit": 100}).json()
    assert len(every) == 8
    high = api.get(URL, {"severity": "high", "status": "open"}).json()
    assert [a["detector"] for a in high] == ["wangiri"]
    assert high[0]["evidence"]["outgoing_calls"] == 120 and high[0]["rule"]["code"] == "wangiri"
    in_hefei = api.get(URL, {"regionId": hefei.pk}).json()
    assert len(in_hefei) == 7
    one = api.get(f"{URL}/{alerts[0].pk}").json()
    assert one["alertNumber"] == alerts[0].alert_no and one["product"]["serviceNumber"]


def test_the_alert_list_needs_the_analytics_read_scope(alerts):
    assert _api("billing:read").get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)


def test_regional_staff_read_only_their_region_over_the_api(alerts, client, make_staff, wuhu):
    client.force_login(make_staff("manager", region=wuhu))
    rows = client.get(URL).json()
    assert [a["detector"] for a in rows] == ["wangiri"]
