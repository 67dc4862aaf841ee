"""Reads for the segmentation pages and API: the latest run's cluster profiles, and RFM and group counts of the
customers the user may see (their region, or all for province staff)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from analytics.models import AnalyticsJob, SegmentProfile
from analytics.models.jobs import JobKind, JobStatus
from crm.accounts.selectors import regions_visible_to, visibility_scope
from customers.models import Customer

from .loader import LIVE
from .rfm import SEGMENTS

GROUPS = ("high", "medium", "low")


def latest_segmentation() -> AnalyticsJob | None:
    return (
        AnalyticsJob.objects.filter(kind=JobKind.SEGMENTATION, status=JobStatus.DONE)
        .order_by("-finished_at", "-id")
        .first()
    )


def segment_profiles(job: AnalyticsJob | None) -> QuerySet[SegmentProfile]:
    if job is None:
        return SegmentProfile.objects.none()
    return SegmentProfile.objects.filter(job=job)


def _live_customers(user) -> QuerySet[Customer]:
    return visibility_scope(user).filter(Customer.objects.filter(status__in=LIVE))


def regions_with_segment_counts(user):
    """The user's regions, each with its live customers counted per RFM segment (``seg_<code>``) and in total."""
    live = Q(customers__status__in=LIVE)
    counts = {f"seg_{s.code}": Count("customers", filter=live & Q(customers__segment=s.code)) for s in SEGMENTS}
    return regions_visible_to(user).annotate(
        customers_live=Count("customers", filter=live),
        unsegmented=Count("customers", filter=live & Q(customers__segment="")),
        **counts,
    )


def segment_totals(user) -> list[dict]:
    """Live customers per RFM segment (in the table's order), for the chart."""
    counts = dict(_live_customers(user).exclude(segment="").values_list("segment").annotate(n=Count("id")).order_by())
    return [{"code": s.code, "label": str(s.label), "count": counts.get(s.code, 0)} for s in SEGMENTS]


def group_matrix(user) -> list[dict]:
    """Live customers by value group (rows) and activity group (columns)."""
    rows = _live_customers(user).values_list("value_group", "activity_group").annotate(n=Count("id")).order_by()
    cells = {(v, a): n for v, a, n in rows}
    return [{"value": v, "cells": [cells.get((v, a), 0) for a in GROUPS]} for v in GROUPS]
