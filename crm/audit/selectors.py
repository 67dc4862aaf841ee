"""Reads of the audit log, scoped: province-level viewers see all, a region's manager sees their region's actors."""

from __future__ import annotations

import datetime

from django.db.models import Count, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from crm.accounts.models import StaffProfile
from crm.accounts.selectors import visibility_scope

from .models import AuditEntry


def audit_entries_visible_to(user) -> QuerySet[AuditEntry]:
    """Entries a user may read: all for province level; for a region, entries whose actor works in that region."""
    scope = visibility_scope(user)
    entries = AuditEntry.objects.all()
    if scope.nothing:
        return entries.none()
    if scope.all_regions:
        return entries
    actors = StaffProfile.objects.filter(region_id=scope.region_id).values("user_id")
    return entries.filter(actor_id__in=Subquery(actors))


def recent_activity(user, *, limit: int = 10) -> list[AuditEntry]:
    """The user's own latest audited actions, for their home page."""
    return list(AuditEntry.objects.filter(actor_id=user.pk).order_by("-at", "-id")[:limit])


def actions_per_day(user, *, days: int = 14) -> dict:
    """Audited actions per day over the last ``days`` days, for a chart: {"days": [...], "series": {action: [...]}}."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time()))
    rows = (
        audit_entries_visible_to(user)
        .filter(at__gte=since)
        .annotate(day=TruncDate("at"))
        .values("day", "action")
        .annotate(n=Count("id"))
        .order_by()
    )
    labels = [(start + datetime.timedelta(days=i)) for i in range(days)]
    series: dict[str, list[int]] = {}
    for row in rows:
        counts = series.setdefault(str(AuditEntry.Action(row["action"]).label), [0] * days)
        index = (row["day"] - start).days
        if 0 <= index < days:
            counts[index] += row["n"]
    return {"days": [d.strftime("%m-%d") for d in labels], "series": series}
