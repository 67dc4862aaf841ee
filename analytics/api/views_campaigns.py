"""Campaigns over the API (analytics:read): the list with each campaign's definition, and one campaign with its
report — counts, response by channel and segment, uplift against the control group with its 95 % interval and the
revenue effect."""

from __future__ import annotations

from crm.api.serializers import TMFSerializer, iso_or_none
from crm.api.views import TMFReadOnlyViewSet

from ..campaigns.selectors import campaign_report, campaigns
from ..models import Campaign
from .common import ANALYTICS_API


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _channel(r: dict) -> dict:
    return {
        "channel": r["channel"],
        "contacted": r["contacted"],
        "answered": r["answered"],
        "accepted": r["accepted"],
        "converted": r["converted"],
        "responseRate": _rate(r["response_rate"]),
        "conversionRate": _rate(r["conversion_rate"]),
    }


def _segment(r: dict) -> dict:
    return {
        "segment": r["segment"],
        "targeted": r["targeted"],
        "targetedConverted": r["targeted_converted"],
        "control": r["held_out"],
        "controlConverted": r["held_out_converted"],
        "uplift": _rate(r["uplift"]),
    }


def _effect(effect) -> dict | None:
    if effect is None:
        return None
    revenue = effect.incremental_revenue
    return {
        "treatedRate": _rate(effect.treated_rate),
        "controlRate": _rate(effect.control_rate),
        "uplift": _rate(effect.uplift),
        "confidenceInterval": {"level": 0.95, "low": _rate(effect.ci_low), "high": _rate(effect.ci_high)},
        "significant": effect.significant,
        "incrementalConversions": round(effect.incremental_conversions, 2),
        "incrementalMonthlyRevenue": None if revenue is None else round(revenue, 2),
    }


def report_representation(campaign: Campaign) -> dict:
    report = campaign_report(campaign)
    return {
        "members": report.members,
        "control": report.control,
        "targeted": report.targeted,
        "contacted": report.contacted,
        "accepted": report.accepted,
        "suppressed": report.suppressed,
        "byChannel": [_channel(r) for r in report.by_channel],
        "bySegment": [_segment(r) for r in report.by_segment],
        "effect": _effect(report.effect),
        "monthlyRevenue": {"targeted": str(report.treated_revenue), "control": str(report.control_revenue)},
    }


class CampaignSerializer(TMFSerializer):
    class Meta:
        tmf_type = "Campaign"

    def build(self, campaign: Campaign) -> dict:
        data = {
            "code": campaign.code,
            "name": campaign.name,
            "goal": campaign.goal,
            "status": campaign.status,
            "target": campaign.target,
            "channel": campaign.channels,
            "productOffering": [{"id": str(o.pk), "code": o.code, "name": o.name} for o in campaign.offerings.all()],
            "validFor": {"startDate": campaign.starts_on.isoformat(), "endDate": campaign.ends_on.isoformat()},
            "budget": str(campaign.budget),
            "controlGroupPercent": campaign.holdout_percent,
            "creationDate": iso_or_none(campaign.created_at),
            "launchDate": iso_or_none(campaign.launched_at),
        }
        view = self.context.get("view")
        if getattr(view, "action", None) == "retrieve" and campaign.status != Campaign.Status.DRAFT:
            data["report"] = report_representation(campaign)
        return data


class CampaignViewSet(TMFReadOnlyViewSet):
    """Campaigns (营销活动); one campaign carries its report (效果评估)."""

    read_scope, write_scope = ANALYTICS_API.read_scope, ANALYTICS_API.write_scope
    serializer_class = CampaignSerializer
    tmf_filters = {"status": "status", "goal": "goal", "code": "code", "creationDate": ("created_at", "datetime")}
    http_method_names = ["get", "head", "options"]

    def get_queryset(self):
        return campaigns()
