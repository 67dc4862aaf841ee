"""Campaign writes: launch (the audience with its random control group) and a member's response (an accepted
offer becomes an order through the orders service). The contact policy is applied at launch (members it would
refuse are kept but suppressed) and again at contact time."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import Campaign, CampaignMember, ChurnScore
from crm.audit.services import audit_record
from customers.models import Customer

# Campaign channels and the contact-policy channel each one is (None: the customer is at the counter, not contacted).
POLICY_CHANNEL = {"outbound_call": "outbound_call", "sms": "sms", "portal_banner": "portal", "hall_prompt": None}
LIVE_CUSTOMER = ("active", "suspended")


class CampaignError(Exception):
    """The campaign cannot do this (wrong state, a control-group member, a refused contact or order)."""


def campaign_audience(campaign: Campaign) -> QuerySet[Customer]:
    """The customers the campaign's target describes (before the control group and the contact policy)."""
    return target_audience(campaign.target or {})


def target_audience(target: dict) -> QuerySet[Customer]:
    """The live customers a target describes (see ``Campaign.target``); an empty criterion does not narrow."""
    customers = Customer.objects.filter(status__in=LIVE_CUSTOMER)
    if target.get("regions"):
        customers = customers.filter(region_id__in=target["regions"])
    if target.get("levels"):
        customers = customers.filter(service_level__in=target["levels"])
    if target.get("segments"):
        customers = customers.filter(segment__in=target["segments"])
    if target.get("value_groups"):
        customers = customers.filter(value_group__in=target["value_groups"])
    if target.get("churn_bands"):
        latest = ChurnScore.objects.order_by("-as_of").values_list("as_of", flat=True).first()
        scored = ChurnScore.objects.filter(customer=OuterRef("pk"), as_of=latest, band__in=target["churn_bands"])
        customers = customers.filter(Exists(scored))
    if target.get("product_kinds"):
        from orders.models import Product

        held = Product.objects.filter(
            customer=OuterRef("pk"), status="active", specification__kind__in=target["product_kinds"]
        )
        customers = customers.filter(Exists(held))
    return customers


def in_control_group(campaign: Campaign, customer_id: int) -> bool:
    """A stable random draw per campaign and customer: the same customer is always on the same side of a campaign."""
    digest = hashlib.sha256(f"{campaign.pk}:{campaign.code}:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < campaign.holdout_percent


CHANNELS = ("outbound_call", "sms", "hall_prompt", "portal_banner")
TEXT_CHANNELS = ("sms", "portal_banner")  # these show the customer the campaign's message
TARGET_KEYS = ("churn_bands", "levels", "segments", "value_groups", "regions", "product_kinds")
EDITABLE = ("name", "goal", "target", "channels", "script", "message", "starts_on", "ends_on", "budget",
            "holdout_percent")  # fmt: skip


def _clean_target(target: dict) -> dict:
    """Only the known criteria, each a sorted list without blanks (regions as ids)."""
    cleaned = {}
    for key in TARGET_KEYS:
        values = [v for v in (target or {}).get(key) or [] if v not in ("", None)]
        cleaned[key] = sorted({int(v) for v in values} if key == "regions" else {str(v) for v in values})
    return cleaned


def _check(campaign: Campaign) -> None:
    if not campaign.name.strip():
        raise CampaignError(_("Give the campaign a name."))
    if campaign.goal not in Campaign.Goal.values:
        raise CampaignError(_("Choose the campaign's goal."))
    if not campaign.channels:
        raise CampaignError(_("Choose at least one channel."))
    if set(campaign.channels) - set(CHANNELS):
        raise CampaignError(_("Unknown channel."))
    if set(campaign.channels) & set(TEXT_CHANNELS) and not campaign.message.strip():
        raise CampaignError(_("SMS and portal banners need the text the customer sees."))
    if campaign.ends_on < campaign.starts_on:
        raise CampaignError(_("The campaign cannot end before it starts."))
    if campaign.budget < 0:
        raise CampaignError(_("The budget cannot be negative."))
    if not 1 <= campaign.holdout_percent <= 50:
        raise CampaignError(_("The control group is between 1 and 50 %."))


@transaction.atomic
def campaign_create(
    *,
    actor,
    code: str,
    name: str,
    goal: str,
    target: dict,
    channels: list[str],
    starts_on,
    ends_on,
    offerings=(),
    script: str = "",
    message: str = "",
    budget=0,
    holdout_percent: int = 10,
) -> Campaign:
    """Save a draft campaign (validated as launching would need it), audited."""
    if Campaign.objects.filter(code=code).exists():
        raise CampaignError(_("A campaign with this code exists already."))
    campaign = Campaign(code=code, name=name, goal=goal, target=_clean_target(target),
                        channels=[c for c in CHANNELS if c in channels], script=script, message=message,
                        starts_on=starts_on, ends_on=ends_on, budget=budget, holdout_percent=holdout_percent,
                        created_by=actor)  # fmt: skip
    _check(campaign)
    campaign.save()
    campaign.offerings.set(offerings)
    audit_record(action="create", obj=campaign, actor=actor,
                 changes={"code": code, "goal": goal, "target": campaign.target, "channels": campaign.channels,
                          "offerings": sorted(o.code for o in offerings)})  # fmt: skip
    return campaign


@transaction.atomic
def campaign_update(*, campaign: Campaign, actor, offerings=None, **fields) -> Campaign:
    """Change a draft campaign (a launched one keeps what its members were chosen and contacted by), audited."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise CampaignError(_("Only a draft campaign can be changed."))
    if "target" in fields:
        fields["target"] = _clean_target(fields["target"])
    if "channels" in fields:
        fields["channels"] = [c for c in CHANNELS if c in fields["channels"]]
    changes = {}
    for name, value in fields.items():
        if getattr(campaign, name) != value:
            changes[name] = [getattr(campaign, name), value]
            setattr(campaign, name, value)
    _check(campaign)
    campaign.save()
    if offerings is not None:
        before = sorted(campaign.offerings.values_list("code", flat=True))
        after = sorted(o.code for o in offerings)
        if before != after:
            campaign.offerings.set(offerings)
            changes["offerings"] = [before, after]
    if changes:
        audit_record(action="update", obj=campaign, actor=actor, changes=changes)
    return campaign


def _close(campaign: Campaign, *, actor, to: str, allowed: tuple[str, ...], refusal: str) -> Campaign:
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in allowed:
        raise CampaignError(refusal)
    before, campaign.status = campaign.status, to
    campaign.save(update_fields=["status"])
    audit_record(action="update", obj=campaign, actor=actor, changes={"status": [before, to]})
    return campaign


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, actor) -> Campaign:
    """Stop a draft or running campaign: its remaining members are no longer contacted; the report stays."""
    return _close(campaign, actor=actor, to=Campaign.Status.CANCELLED,
                  allowed=(Campaign.Status.DRAFT, Campaign.Status.LAUNCHED),
                  refusal=_("Only a draft or running campaign can be cancelled."))  # fmt: skip


@transaction.atomic
def campaign_finish(*, campaign: Campaign, actor) -> Campaign:
    """End a running campaign: no more contacts; conversions are still counted until its end date."""
    return _close(campaign, actor=actor, to=Campaign.Status.FINISHED, allowed=(Campaign.Status.LAUNCHED,),
                  refusal=_("Only a running campaign can be finished."))  # fmt: skip


@transaction.atomic
def campaign_launch(*, campaign: Campaign, actor) -> int:
    """Launch a draft campaign: every audience member becomes a member, about ``holdout_percent`` of them in the
    control group (never contacted). Returns the audience size."""
    given, campaign = campaign, Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise CampaignError(_("Only a draft campaign can be launched."))
    if not campaign.channels:
        raise CampaignError(_("Choose at least one channel."))
    rows = campaign_audience(campaign).values_list("pk", "region_id", "segment")
    members = [
        CampaignMember(campaign=campaign, customer_id=pk, region_id=region, segment=segment or "",
                       control=in_control_group(campaign, pk))
        for pk, region, segment in rows.iterator(chunk_size=5000)
    ]  # fmt: skip
    CampaignMember.objects.bulk_create(members, batch_size=5000)
    campaign.status, campaign.launched_at = Campaign.Status.LAUNCHED, timezone.now()
    campaign.save(update_fields=["status", "launched_at"])
    given.status, given.launched_at = campaign.status, campaign.launched_at  # the caller's copy is current too
    audit_record(action="update", obj=campaign, actor=actor, changes={"status": ["draft", "launched"]},
                 detail=f"{len(members)} members, {sum(m.control for m in members)} in the control group")  # fmt: skip
    return len(members)


@transaction.atomic
def campaign_respond(
    *, member: CampaignMember, outcome: str, channel: str, actor, note: str = "", offering=None, at=None
):
    """Record a targeted member's response through a channel. The contact policy is checked again now (opt-outs,
    quiet hours, the marketing cap across campaigns); a refused contact is recorded as suppressed. An acceptance
    submits the offer as an order (VAS subscribe, or a change of offering on the line it fits). Returns the member;
    its outcome is ``suppressed`` (with the reason in its note) when the policy refused the contact."""
    from feedback.contact_policy import contact_record

    member = CampaignMember.objects.select_for_update().select_related("campaign", "customer").get(pk=member.pk)
    campaign = member.campaign
    if member.control:
        raise CampaignError(_("This customer is in the control group and is not contacted."))
    if campaign.status != Campaign.Status.LAUNCHED:
        raise CampaignError(_("The campaign is not running."))
    if member.outcome not in (CampaignMember.Outcome.PENDING, CampaignMember.Outcome.SENT):  # checked under the lock
        raise CampaignError(_("This customer's answer is already recorded."))
    if channel not in campaign.channels:
        raise CampaignError(_("The campaign does not use this channel."))
    if outcome not in CampaignMember.Outcome.values or outcome in ("pending", "sent", "suppressed"):
        raise CampaignError(_("Choose what the customer answered."))
    policy_channel = POLICY_CHANNEL.get(channel)
    if policy_channel is not None and member.outcome == CampaignMember.Outcome.PENDING:
        purpose = "care" if campaign.goal == Campaign.Goal.CARE else "marketing"
        decision, _contact = contact_record(customer=member.customer, channel=policy_channel, purpose=purpose,
                                            at=at or timezone.now(), campaign_ref=campaign.code,
                                            outcome=outcome)  # fmt: skip
        if not decision.allowed:  # recorded, not raised: the list shows why this customer was not contacted
            member.outcome, member.note, member.channel = CampaignMember.Outcome.SUPPRESSED, decision.reason, channel
            member.responded_at, member.responded_by = timezone.now(), actor
            member.save(update_fields=["outcome", "note", "channel", "responded_at", "responded_by"])
            return member
    order = None
    if outcome == CampaignMember.Outcome.ACCEPTED:
        order = _order(member, offering=offering, actor=actor, channel=channel)
    member.outcome, member.channel, member.note = outcome, channel, note[:300]
    member.responded_at, member.responded_by, member.order = timezone.now(), actor, order
    member.save(update_fields=["outcome", "channel", "note", "responded_at", "responded_by", "order"])
    return member


ORDER_CHANNEL = {"outbound_call": "hotline", "sms": "api", "portal_banner": "portal", "hall_prompt": "own_hall"}


def _order(member: CampaignMember, *, offering, actor, channel: str):
    from orders.eligibility import OrderRequest, kinds_of
    from orders.models import OrderType, Product
    from orders.services import intake

    offerings = list(member.campaign.offerings.all())
    offering = offering or (offerings[0] if len(offerings) == 1 else None)
    if offering is None or offering not in offerings:
        raise CampaignError(_("Choose which of the campaign's offers the customer accepted."))
    kinds = kinds_of(offering)
    request = OrderRequest(order_type=OrderType.VAS_ADD, customer=member.customer, offering=offering,
                           channel=ORDER_CHANNEL[channel], description=f"营销活动 {member.campaign.code}",
                           idempotency_key=f"campaign-{member.campaign_id}-{member.pk}")  # fmt: skip
    if kinds != {"vas"}:
        line = Product.objects.filter(customer=member.customer, status="active", bundle=None,
                                      specification__kind__in=kinds).first()  # fmt: skip
        if line is None:
            raise CampaignError(_("The customer has no line this offer can change."))
        request.order_type, request.product = OrderType.CHANGE, line
    else:
        request.product = Product.objects.filter(customer=member.customer, status="active",
                                                 specification__kind="mobile").first()  # fmt: skip
    try:
        return intake.order_submit(request=request, actor=actor)
    except intake.OrderRefused as exc:
        raise CampaignError("; ".join(str(c.reason) for c in exc.checks)) from exc
