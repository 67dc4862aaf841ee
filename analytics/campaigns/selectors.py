"""Campaign reads: the report — response and conversion by channel and segment, and the effect against the
control group. A customer converted when they ordered one of the campaign's offers (any channel) between the launch
and the campaign's end, so the targeted and the control group are measured the same way."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from analytics.models import Campaign, CampaignMember

from .evaluation import Uplift, uplift

DEAD_ORDERS = ("rejected", "cancelled", "failed")


@dataclass(frozen=True)
class CampaignReport:
    members: int
    control: int
    targeted: int
    contacted: int
    accepted: int
    suppressed: int
    by_channel: list[dict]
    by_segment: list[dict]
    effect: Uplift | None  # None until both groups have members


def _converted(campaign: Campaign) -> Exists:
    from orders.models import ProductOrderItem

    end = timezone.make_aware(datetime.datetime.combine(campaign.ends_on + datetime.timedelta(days=1), datetime.time()))
    orders = ProductOrderItem.objects.filter(
        order__customer=OuterRef("customer"),
        offering__in=campaign.offerings.all(),
        order__created_at__gte=campaign.launched_at,
        order__created_at__lt=end,
    ).exclude(order__state__in=DEAD_ORDERS)
    return Exists(orders)


def campaign_report(campaign: Campaign) -> CampaignReport:
    """The campaign's figures (a handful of aggregate queries, whatever the audience size)."""
    members = CampaignMember.objects.filter(campaign=campaign)
    converted = _converted(campaign) if campaign.launched_at else Q(pk__in=[])
    marked = members.annotate(converted=converted)
    totals = marked.aggregate(
        members=Count("pk"),
        held_out=Count("pk", filter=Q(control=True)),
        held_out_converted=Count("pk", filter=Q(control=True, converted=True)),
        targeted=Count("pk", filter=Q(control=False)),
        targeted_converted=Count("pk", filter=Q(control=False, converted=True)),
        contacted=Count("pk", filter=Q(control=False) & ~Q(outcome__in=["pending", "suppressed"])),
        accepted=Count("pk", filter=Q(outcome="accepted")),
        suppressed=Count("pk", filter=Q(outcome="suppressed")),
    )
    targeted_only = marked.filter(control=False)
    by_channel = list(
        targeted_only.exclude(channel="")
        .values("channel")
        .annotate(
            contacted=Count("pk", filter=~Q(outcome="suppressed")), accepted=Count("pk", filter=Q(outcome="accepted"))
        )
        .order_by("channel")
    )
    by_segment = list(
        marked.values("segment")
        .annotate(
            targeted=Count("pk", filter=Q(control=False)),
            targeted_converted=Count("pk", filter=Q(control=False, converted=True)),
            held_out=Count("pk", filter=Q(control=True)),
            held_out_converted=Count("pk", filter=Q(control=True, converted=True)),
        )
        .order_by("segment")
    )
    effect = None
    if totals["held_out"] and totals["targeted"]:
        effect = uplift(
            treated=totals["targeted"],
            treated_converted=totals["targeted_converted"],
            control=totals["held_out"],
            control_converted=totals["held_out_converted"],
        )
    return CampaignReport(
        members=totals["members"],
        control=totals["held_out"],
        targeted=totals["targeted"],
        contacted=totals["contacted"],
        accepted=totals["accepted"],
        suppressed=totals["suppressed"],
        by_channel=by_channel,
        by_segment=by_segment,
        effect=effect,
    )


def agent_call_list(campaign: Campaign, *, region_id: int | None = None, limit: int = 50, at=None):
    """The targeted members still to call for an outbound-call campaign: never the control group, and only customers
    the contact policy lets a marketing list include now (opt-outs, the cap across campaigns); the policy is asked
    again when the call is recorded."""
    from customers.models import Customer
    from feedback.contact_policy import customers_within_cap

    channel = "outbound_call"
    reachable = Customer.objects.all()
    if campaign.goal != Campaign.Goal.CARE:  # care contacts are never capped; opt-outs are checked at contact time
        reachable = customers_within_cap(reachable, channel, at or timezone.now())
    members = CampaignMember.objects.filter(
        campaign=campaign, control=False, outcome="pending", customer__in=reachable.values("pk")
    ).select_related("customer__party")
    if region_id is not None:
        members = members.filter(region_id=region_id)
    return list(members.order_by("id")[:limit])
