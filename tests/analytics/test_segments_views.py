"""Segmentation pages: the latest run's clusters with the RFM chart data and groups, RFM by region (scoped to the
user's region), exports, and the 360 view's segment lines."""

import datetime

import pytest
from django.urls import reverse

from analytics.models import AnalyticsJob, SegmentProfile
from crm.accounts.roles import Role
from tests.analytics.population_h5 import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def segmented(hefei, wuhu):
    """A finished segmentation run with two clusters; three customers in Hefei and one in Wuhu."""
    job = AnalyticsJob.objects.create(
        kind="segmentation",
        run_key="segmentation:2026-11-30",
        as_of=datetime.date(2026, 11, 30),
        status="done",
        result={"k": 2},
        finished_at="2026-12-01T03:00:00+08:00",
    )
    features = {"data_mb": {"mean": 30000.0, "z": 1.4}, "voice_min": {"mean": 20.0, "z": -1.1}}
    SegmentProfile.objects.create(
        job=job, cluster=0, label="heavy data, light voice", size=3, profile={"features": features, "sample_size": 3}
    )
    SegmentProfile.objects.create(job=job, cluster=1, label="heavy voice, light data", size=1, profile={"features": {}})
    people = []
    for region, segment, value, activity in [
        (hefei, "champions", "high", "high"),
        (hefei, "champions", "high", "medium"),
        (hefei, "lost", "low", "low"),
        (wuhu, "lost", "low", "low"),
    ]:
        customer, _a, _l = make_customer(region, with_line=False)
        customer.segment, customer.value_group, customer.activity_group = segment, value, activity
        customer.behaviour_segment = "heavy data, light voice"
        customer.save()
        people.append(customer)
    return job, people


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_segments_page_shows_the_clusters_the_chart_and_the_groups(english, make_staff, segmented):
    english.force_login(make_staff(Role.MANAGER))
    response = english.get(reverse("analytics:segments"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "heavy data, light voice" in html and "75.0 %" in html
    chart = response.context["chart"]
    assert chart["counts"][chart["labels"].index("Champions (重要价值客户)")] == 2
    assert response.context["groups"][0] == {"value": "high", "cells": [1, 1, 0]}
    assert "echarts" in html


def test_regional_staff_see_their_region_only_and_can_export(english, make_staff, segmented, hefei):
    english.force_login(make_staff(Role.MARKETING_ANALYST, region=hefei))
    response = english.get(reverse("analytics:segment_regions"))
    assert response.status_code == 200
    rows = list(response.context["object_list"])
    assert [r.name for r in rows] == ["合肥"]
    assert rows[0].seg_champions == 2 and rows[0].seg_lost == 1 and rows[0].customers_live == 3
    totals = {t["code"]: t["count"] for t in english.get(reverse("analytics:segments")).context["segment_totals"]}
    assert totals["lost"] == 1  # Wuhu's customer is not counted
    export = english.get(reverse("analytics:segment_regions") + "?export=csv")
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert "Champions" in body and "合肥" in body
    profiles = english.get(reverse("analytics:segments") + "?export=xlsx")
    assert profiles.status_code == 200


def test_without_a_dashboard_permission_it_is_forbidden(client, make_staff, segmented):
    client.force_login(make_staff(Role.CALL_AGENT))
    assert client.get(reverse("analytics:segments")).status_code == 403


def test_the_360_view_shows_segment_and_groups(english, make_staff, segmented):
    _job, people = segmented
    english.force_login(make_staff(Role.MANAGER))
    html = english.get(reverse("customers:detail", args=[people[0].customer_no])).content.decode()
    assert "Champions (重要价值客户)" in html
    assert 'data-testid="value-group">High<' in html and 'data-testid="activity-group">High<' in html
    assert "heavy data, light voice" in html


def test_the_credit_page_lists_scores_lowest_first_with_the_model_quality(english, make_staff, hefei):
    from analytics.models import CreditScore, ModelVersion

    model = ModelVersion.objects.create(
        kind="credit",
        version=1,
        status="promoted",
        algorithm="t",
        train_from="2026-01-01",
        train_to="2026-11-30",
        file="x",
        metrics={"auc": 0.91, "ks": 0.62},
    )
    for score in (85, 30):
        customer, _a, _l = make_customer(hefei, with_line=False)
        CreditScore.objects.create(
            as_of="2026-11-30",
            customer=customer,
            model=model,
            score=score,
            grade="A" if score > 80 else "D",
            bad_debt_probability=0.02,
            reasons=[{"feature": "late_bills_12m", "points": -12, "text": "3 bills paid late"}],
        )
    english.force_login(make_staff(Role.MANAGER))
    response = english.get(reverse("analytics:credit_scores"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "AUC 0.91, KS 0.62" in html and "3 bills paid late (-12)" in html
    assert [row.score for row in response.context["object_list"]] == [30, 85]
    assert english.get(reverse("analytics:credit_scores"), {"grade": "A"}).context["total"] == 1
