"""Campaign reads: the report — response and conversion by channel and segment, and the effect against the
control group. A customer converted when they ordered one of the campaign's offers (any channel) between the launch
and the campaign's end, so the targeted and the control group are measured the same way."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from analytics.models import Campaign, CampaignMember

from .evaluation import Uplift, uplift

DEAD_ORDERS = ("rejected", "cancelled", "failed")
ANSWERED = ("accepted", "declined")


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
    # The monthly recurring fees of the campaign offers the converted customers ordered, per group (yuan a month).
    treated_revenue: Decimal = Decimal(0)
    control_revenue: Decimal = Decimal(0)
    conversions_by_offer: list[dict] = field(default_factory=list)  # [{offering, targeted, control, monthly}]


def _conversion_orders(campaign: Campaign):
    from orders.models import ProductOrderItem

    end = timezone.make_aware(datetime.datetime.combine(campaign.ends_on + datetime.timedelta(days=1), datetime.time()))
    return ProductOrderItem.objects.filter(
        order__customer=OuterRef("customer"),
        offering__in=campaign.offerings.all(),
        order__created_at__gte=campaign.launched_at,
        order__created_at__lt=end,
    ).exclude(order__state__in=DEAD_ORDERS)


def _converted(campaign: Campaign) -> Exists:
    return Exists(_conversion_orders(campaign))


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


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
            contacted=Count("pk", filter=~Q(outcome="suppressed")),
            answered=Count("pk", filter=Q(outcome__in=ANSWERED)),
            accepted=Count("pk", filter=Q(outcome="accepted")),
            converted=Count("pk", filter=Q(converted=True)),
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
    for row in by_channel:
        row["response_rate"] = _rate(row["answered"], row["contacted"])
        row["conversion_rate"] = _rate(row["accepted"], row["contacted"])
    for row in by_segment:
        row["targeted_rate"] = _rate(row["targeted_converted"], row["targeted"])
        row["held_out_rate"] = _rate(row["held_out_converted"], row["held_out"])
        both = row["targeted_rate"] is not None and row["held_out_rate"] is not None
        row["uplift"] = row["targeted_rate"] - row["held_out_rate"] if both else None
    by_offer, treated_revenue, control_revenue = _revenue(campaign, members)
    effect = None
    if totals["held_out"] and totals["targeted"]:
        effect = uplift(
            treated=totals["targeted"],
            treated_converted=totals["targeted_converted"],
            control=totals["held_out"],
            control_converted=totals["held_out_converted"],
            treated_revenue=float(treated_revenue),
            control_revenue=float(control_revenue),
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
        treated_revenue=treated_revenue,
        control_revenue=control_revenue,
        conversions_by_offer=by_offer,
    )


def _revenue(campaign: Campaign, members: QuerySet) -> tuple[list[dict], Decimal, Decimal]:
    """Converted members by the campaign offer they ordered (the first, if several) and group, priced at the offer's
    monthly recurring fee: the revenue the campaign's conversions add each month, per group."""
    from orders.models import ProductOffering
    from orders.selectors.catalog import monthly_prices

    if not campaign.launched_at:
        return [], Decimal(0), Decimal(0)
    first_offer = Subquery(_conversion_orders(campaign).order_by("order__created_at", "id").values("offering_id")[:1])
    rows = list(
        members.annotate(offer=first_offer)
        .exclude(offer=None)
        .values("offer", "control")
        .annotate(n=Count("pk"))
        .order_by("offer", "control")
    )
    if not rows:
        return [], Decimal(0), Decimal(0)
    monthly = monthly_prices()
    names = dict(ProductOffering.objects.filter(pk__in={r["offer"] for r in rows}).values_list("pk", "name"))
    by_offer: dict[int, dict] = {}
    for r in rows:
        entry = by_offer.setdefault(r["offer"], {"offering": names.get(r["offer"], ""), "targeted": 0, "control": 0,
                                                 "monthly": monthly.get(r["offer"], Decimal(0))})  # fmt: skip
        entry["control" if r["control"] else "targeted"] += r["n"]
    treated = sum((e["targeted"] * e["monthly"] for e in by_offer.values()), Decimal(0))
    control = sum((e["control"] * e["monthly"] for e in by_offer.values()), Decimal(0))
    return list(by_offer.values()), treated, control


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


# The analyst's pages ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AudiencePreview:
    size: int
    control: int  # expected: the hold-out share of the audience (the draw at launch is random per customer)
    within_cap: list[dict]  # [{channel, count}] per contacted channel: whom a marketing list may include now
    capped: bool  # False for care campaigns: care contacts are never capped
    by_level: list[dict]  # [{service_level, n}]
    by_region: list[dict]  # [{region__name, n}]


def campaign_audience_preview(
    target: dict, *, holdout_percent: int = 10, channels=(), goal: str = "", at=None
) -> AudiencePreview:
    """How many customers a target describes, the expected control group, how many the contact policy would let a
    marketing list include now per channel, and the audience by level and region (a few COUNT queries)."""
    from feedback.contact_policy import customers_within_cap

    from .services import POLICY_CHANNEL, target_audience

    audience = target_audience(target)
    size = audience.count()
    capped = goal != Campaign.Goal.CARE
    within_cap = []
    for channel in channels:
        policy_channel = POLICY_CHANNEL.get(channel)
        if policy_channel is None or not size:
            continue
        count = customers_within_cap(audience, policy_channel, at or timezone.now()).count() if capped else size
        within_cap.append({"channel": channel, "count": count})
    by_level = list(audience.values("service_level").annotate(n=Count("pk")).order_by("-n", "service_level"))
    by_region = list(audience.values("region__name").annotate(n=Count("pk")).order_by("-n", "region__name"))
    return AudiencePreview(
        size=size,
        control=round(size * holdout_percent / 100),
        within_cap=within_cap,
        capped=capped,
        by_level=by_level if size else [],
        by_region=by_region if size else [],
    )


def campaign_code_suggest(goal: str, day: datetime.date | None = None) -> str:
    """A free code like ``retention-202612-2`` for a new campaign."""
    stem = f"{(goal or 'campaign').replace('_', '-')}-{(day or timezone.localdate()):%Y%m}"
    taken = set(Campaign.objects.filter(code__startswith=stem).values_list("code", flat=True))
    n = 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def _converted_any() -> Exists:
    """A member converted (as ``_converted``), for members of many campaigns at once."""
    from orders.models import ProductOrderItem

    offers = Campaign.offerings.through.objects.filter(campaign_id=OuterRef(OuterRef("campaign_id")))
    return Exists(
        ProductOrderItem.objects.filter(
            order__customer=OuterRef("customer_id"),
            offering_id__in=offers.values("productoffering_id"),
            order__created_at__gte=OuterRef("campaign__launched_at"),
            order__created_at__date__lte=OuterRef("campaign__ends_on"),
        ).exclude(order__state__in=DEAD_ORDERS)
    )


def campaigns_with_figures(*, status: str = "", limit: int = 200) -> list[tuple[Campaign, dict]]:
    """Campaigns newest first with their members, contacted, accepted and uplift (two queries for the page)."""
    campaigns = Campaign.objects.select_related("created_by")
    if status:
        campaigns = campaigns.filter(status=status)
    campaigns = list(campaigns[:limit])
    launched = [c.pk for c in campaigns if c.launched_at]
    figures = {}
    if launched:
        rows = (
            CampaignMember.objects.filter(campaign_id__in=launched)
            .annotate(converted=_converted_any())
            .values("campaign_id")
            .annotate(
                members=Count("pk"),
                contacted=Count("pk", filter=Q(control=False) & ~Q(outcome__in=["pending", "suppressed"])),
                accepted=Count("pk", filter=Q(outcome="accepted")),
                targeted=Count("pk", filter=Q(control=False)),
                targeted_converted=Count("pk", filter=Q(control=False, converted=True)),
                held_out=Count("pk", filter=Q(control=True)),
                held_out_converted=Count("pk", filter=Q(control=True, converted=True)),
            )
            .order_by()
        )
        figures = {r["campaign_id"]: r for r in rows}
    result = []
    for campaign in campaigns:
        row = dict(figures.get(campaign.pk) or {})
        if row.get("targeted") and row.get("held_out"):
            row["effect"] = uplift(treated=row["targeted"], treated_converted=row["targeted_converted"],
                                   control=row["held_out"], control_converted=row["held_out_converted"])  # fmt: skip
        result.append((campaign, row))
    return result


def campaign_members_for_export(campaign: Campaign, user) -> QuerySet:
    """The campaign's members in the user's regions as rows without personal data: customer number, region,
    segment, control flag, outcome, channel, response time and the order it became."""
    from crm.accounts.models import Region
    from crm.accounts.selectors import visibility_scope

    members = visibility_scope(user).filter(CampaignMember.objects.filter(campaign=campaign))
    region = Region.objects.filter(pk=OuterRef("region_id")).values("name")[:1]
    return members.annotate(region_name=Subquery(region)).values_list(
        "customer__customer_no", "region_name", "segment", "control", "outcome", "channel", "responded_at",
        "order__order_no",
    ).order_by("id")  # fmt: skip


def campaigns() -> QuerySet[Campaign]:
    """Campaigns with what their representation reads (offers, creator), newest first."""
    return Campaign.objects.select_related("created_by").prefetch_related("offerings").order_by("-created_at", "-id")
