"""Churn scores (ChurnScore) as the analytics API shows them."""

from __future__ import annotations

from crm.api.serializers import TMFSerializer

from ..churn.reasons import reason_text
from ..models import ChurnScore


class ChurnScoreSerializer(TMFSerializer):
    class Meta:
        tmf_type = "ChurnScore"

    def build(self, score: ChurnScore) -> dict:
        customer = score.customer
        return {
            "asOf": score.as_of.isoformat(),
            "probability": round(score.probability, 4),
            "band": score.band,
            "reason": [
                {
                    "feature": r.get("feature"),
                    "value": r.get("value"),
                    "contribution": r.get("contribution"),
                    "text": reason_text(r.get("feature", ""), float("nan") if r.get("value") is None else r["value"]),
                }
                for r in score.reasons or []
            ],
            "relatedParty": {
                "id": str(customer.pk),
                "customerNumber": customer.customer_no,
                "name": customer.party.name,
                "@referredType": "Customer",
            },
            "region": {"id": str(score.region_id), "name": customer.region.name} if score.region_id else None,
            "accountManager": customer.account_manager.get_username() if customer.account_manager_id else None,
            "model": {"kind": score.model.kind, "version": score.model.version},
        }
