"""Segmentation and credit results over the API (analytics:read): the latest segmentation's cluster profiles, and
credit scores of the model in use (region-scoped)."""

from __future__ import annotations

from crm.api.serializers import TMFSerializer
from crm.api.views import TMFReadOnlyViewSet

from ..credit.selectors import credit_scores_visible_to
from ..models import CreditScore, SegmentProfile
from ..segments.rfm import segment_label
from ..segments.selectors import latest_segmentation
from .common import ANALYTICS_API


class SegmentProfileSerializer(TMFSerializer):
    class Meta:
        tmf_type = "SegmentProfile"

    def build(self, profile: SegmentProfile) -> dict:
        return {
            "cluster": profile.cluster,
            "label": profile.label,
            "size": profile.size,
            "profile": (profile.profile or {}).get("features", {}),
            "job": {"id": str(profile.job_id), "asOf": profile.job.as_of.isoformat()},
        }


class SegmentProfileViewSet(TMFReadOnlyViewSet):
    """Behaviour clusters (行为分群) of the latest segmentation run, or of ``job.id``."""

    read_scope, write_scope = ANALYTICS_API.read_scope, ANALYTICS_API.write_scope
    serializer_class = SegmentProfileSerializer
    tmf_filters = {"job.id": ("job_id", int)}
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        profiles = SegmentProfile.objects.select_related("job").order_by("job_id", "cluster")
        if "job.id" in self.request.query_params or self.action == "retrieve":
            return profiles
        job = latest_segmentation()
        return profiles.filter(job=job) if job else profiles.none()


class CreditScoreSerializer(TMFSerializer):
    class Meta:
        tmf_type = "CreditScore"

    def build(self, score: CreditScore) -> dict:
        customer = score.customer
        return {
            "asOf": score.as_of.isoformat(),
            "score": score.score,
            "grade": score.grade,
            "badDebtProbability": round(score.bad_debt_probability, 4),
            "reason": score.reasons,
            "segment": {"code": customer.segment, "name": segment_label(customer.segment)}
            if customer.segment
            else None,
            "relatedParty": {
                "id": str(customer.pk),
                "customerNumber": customer.customer_no,
                "name": customer.party.name,
                "@referredType": "Customer",
            },
            "region": {"id": str(customer.region_id), "name": customer.region.name},
            "model": {"kind": score.model.kind, "version": score.model.version},
        }


class CreditScoreViewSet(TMFReadOnlyViewSet):
    """Credit scores (信用评分) of the newest run of the credit model in use, lowest first."""

    read_scope, write_scope = ANALYTICS_API.read_scope, ANALYTICS_API.write_scope
    serializer_class = CreditScoreSerializer
    tmf_filters = {
        "grade": "grade",
        "relatedParty.id": ("customer_id", int),
        "relatedParty.customerNumber": "customer__customer_no",
        "region.id": ("customer__region_id", int),
    }
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return credit_scores_visible_to(self.request.user).order_by("score", "id")
