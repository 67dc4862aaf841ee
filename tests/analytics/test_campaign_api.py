"""GET /tmf-api/analytics/v1/campaign: the scope, the list with its filters and query budget, and one campaign with
its report against the control group."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from analytics.models import CampaignMember
from crm.accounts.roles import Role
from crm.api.services import api_token_create
from tests.analytics.test_campaign_views import _draft, _launched_with_responses, population  # noqa: F401
from tests.orders.conftest import catalog  # noqa: F401 - the fixture the customers need

pytestmark = pytest.mark.django_db
URL = "/tmf-api/analytics/v1/campaign"


def _api(*scopes: str) -> APIClient:
    _token, raw = api_token_create(client_name=f"camp-{'-'.join(scopes) or 'none'}", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_the_list_is_filtered_paged_and_needs_the_analytics_scope(
    make_staff,
    population,  # noqa: F811
    django_assert_max_num_queries,
):
    analyst = make_staff(Role.MARKETING_ANALYST)
    for i in range(4):
        _draft(analyst, code=f"draft-{i}")
    campaign, _accepted, _held_out = _launched_with_responses(analyst, make_staff)
    api = _api("analytics:read")

    with django_assert_max_num_queries(6):
        rows = api.get(URL).json()

    assert len(rows) == 5 and rows[0]["id"] == str(campaign.pk)  # newest first
    assert rows[0]["@type"] == "Campaign" and rows[0]["productOffering"][0]["code"] == "vas-data-10g"
    assert "report" not in rows[0]  # the figures are on the campaign itself
    launched = api.get(URL, {"status": "launched"}).json()
    assert [r["code"] for r in launched] == [campaign.code]
    assert len(api.get(URL, {"limit": 2}).json()) == 2
    assert api.get(URL, {"colour": "red"}).status_code == 400
    assert _api("billing:read").get(URL).status_code == 403


def test_a_campaign_carries_its_report(make_staff, population):  # noqa: F811
    analyst = make_staff(Role.MARKETING_ANALYST)
    campaign, _accepted, _held_out = _launched_with_responses(analyst, make_staff)
    control = CampaignMember.objects.filter(campaign=campaign, control=True).count()

    body = _api("analytics:read").get(f"{URL}/{campaign.pk}").json()

    report = body["report"]
    assert body["status"] == "launched" and body["controlGroupPercent"] == 20
    assert (report["members"], report["control"], report["contacted"], report["accepted"]) == (18, control, 3, 1)
    assert report["effect"]["controlRate"] == pytest.approx(1 / control, abs=1e-4)
    assert report["effect"]["confidenceInterval"]["low"] < report["effect"]["uplift"]
    assert report["effect"]["significant"] is False
    assert report["byChannel"][0]["channel"] == "outbound_call" and report["byChannel"][0]["accepted"] == 1
    assert report["monthlyRevenue"]["targeted"] == report["monthlyRevenue"]["control"] != "0"
