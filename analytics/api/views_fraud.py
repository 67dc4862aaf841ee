"""Fraud alerts over the API (read, scope analytics:read): the analyst queue for case-management systems.

Scoped like the queue (regional staff see their region's alerts); filters by status, severity, region, detector and
day; newest first."""

from __future__ import annotations

from crm.api.views import TMFReadOnlyViewSet

from ..fraud.selectors import alerts_visible_to
from .serializers_fraud import FraudAlertSerializer

FRAUD_ALERT_FILTERS = {
    "status": "status",
    "severity": "severity",
    "detector": "detector",
    "reasonCode": "reason_code",
    "regionId": ("region_id", int),
    "day": ("day", "date"),
    "relatedParty.id": ("customer_id", int),
    "creationDate": ("created_at", "datetime"),
}


class FraudAlertViewSet(TMFReadOnlyViewSet):
    """Fraud alerts (欺诈告警) with their evidence and verdicts."""

    read_scope, write_scope = "analytics:read", "analytics:write"
    serializer_class = FraudAlertSerializer
    tmf_filters = FRAUD_ALERT_FILTERS

    def get_queryset(self):
        return alerts_visible_to(self.request.user).order_by("-created_at", "-id")
