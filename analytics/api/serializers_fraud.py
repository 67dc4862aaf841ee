"""The fraud alert resource of the analytics API (``FraudAlert``): what raised it, about whom, evidence, verdict."""

from __future__ import annotations

from crm.api.serializers import TMFSerializer, iso_or_none

from ..models import FraudAlert


class FraudAlertSerializer(TMFSerializer):
    """Reads only what ``alerts_visible_to`` joins (customer, product, rule, reviewer)."""

    class Meta:
        tmf_type = "FraudAlert"

    def build(self, alert: FraudAlert) -> dict:
        product = None
        if alert.product_id:
            product = {"id": str(alert.product_id), "serviceNumber": alert.product.service_number}
        return {
            "alertNumber": alert.alert_no,
            "detector": alert.detector,
            "rule": {"code": alert.rule.code, "name": alert.rule.name} if alert.rule_id else None,
            "reasonCode": alert.reason_code,
            "severity": alert.severity,
            "status": alert.status,
            "score": alert.score,
            "subject": alert.subject,
            "day": alert.day.isoformat(),
            "regionId": alert.region_id,
            "relatedParty": {
                "id": str(alert.customer_id),
                "customerNumber": alert.customer.customer_no,
                "@referredType": "Customer",
            },
            "product": product,
            "evidence": alert.evidence,
            "reviewNote": alert.review_note,
            "reviewedBy": alert.reviewed_by.get_username() if alert.reviewed_by_id else None,
            "reviewDate": iso_or_none(alert.reviewed_at),
            "creationDate": iso_or_none(alert.created_at),
        }
