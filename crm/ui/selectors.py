"""Reads of the staff UI: export requests."""

from __future__ import annotations

from django.db.models import QuerySet

from crm.accounts.selectors import visibility_scope

from .models import ExportApproval


def export_requests_of(user) -> QuerySet[ExportApproval]:
    return ExportApproval.objects.filter(requester=user).select_related("approver").order_by("-requested_at", "-id")


def export_requests_to_decide(user) -> QuerySet[ExportApproval]:
    """Pending requests a manager may decide: from staff of their region (all, at province level), not their own."""
    pending = ExportApproval.objects.filter(status=ExportApproval.Status.PENDING).exclude(requester=user)
    scoped = visibility_scope(user).filter(pending, region_lookup="requester__staff_profile__region_id")
    return scoped.select_related("requester").order_by("requested_at", "id")
