"""The feature catalogue page (特征字典) for analysts: every feature with its meaning and source."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.shortcuts import render

from .features.catalog import CATALOG
from .models import CustomerFeatures

CATALOG_PERMISSIONS = ("accounts.view_dashboards", "accounts.run_campaigns", "accounts.manage_analytics_models")


@login_required
def feature_catalog(request):
    """The catalogue grouped as the store is, with the newest cut-off date built and its row count."""
    if not any(request.user.has_perm(p) for p in CATALOG_PERMISSIONS):
        raise PermissionDenied
    groups: dict[str, list] = {}
    for feature in CATALOG:
        groups.setdefault(str(feature.group), []).append(feature)
    latest = CustomerFeatures.objects.aggregate(as_of=Max("as_of"))["as_of"]
    rows = CustomerFeatures.objects.filter(as_of=latest).aggregate(n=Count("pk"))["n"] if latest else 0
    context = {"groups": groups, "latest": latest, "rows": rows, "total": len(CATALOG)}
    return render(request, "analytics/features/catalog.html", context)
