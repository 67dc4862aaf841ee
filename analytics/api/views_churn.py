"""Churn scores over the API (analytics:read): the newest scoring run, region-scoped, filter by region and band."""

from __future__ import annotations

from crm.api.views import TMFReadOnlyViewSet

from ..churn.selectors import churn_scores_visible_to
from .common import ANALYTICS_API
from .serializers_churn import ChurnScoreSerializer


class ChurnScoreViewSet(TMFReadOnlyViewSet):
    """Churn probability (流失概率), band and top reasons per active customer, highest first."""

    read_scope, write_scope = ANALYTICS_API.read_scope, ANALYTICS_API.write_scope
    serializer_class = ChurnScoreSerializer
    tmf_filters = {
        "band": "band",
        "region.id": ("region_id", int),
        "relatedParty.id": ("customer_id", int),
        "relatedParty.customerNumber": "customer__customer_no",
        "probability": ("probability", "decimal"),
    }
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return churn_scores_visible_to(self.request.user).order_by("-probability", "id")
