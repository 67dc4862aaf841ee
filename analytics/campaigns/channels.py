"""Campaign execution per channel (营销执行): the agents' outbound-call campaigns, the prompt a clerk sees when the
customer is at the counter, the portal banner, and the SMS run. Never the control group, in any channel; the contact
policy is asked again whenever a contact is made (``campaign_respond`` for calls, the counter and the portal; the SMS
run below for texts)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import Campaign, CampaignMember, ChurnScore

from .services import POLICY_CHANNEL, CampaignError

Outcome = CampaignMember.Outcome
# Targeted members who have not answered yet: never contacted, or texted and a reply may still come.
OPEN_OUTCOMES = (Outcome.PENDING, Outcome.SENT)
SMS_CHUNK = 500


def _purpose(campaign: Campaign) -> str:
    return "care" if campaign.goal == Campaign.Goal.CARE else "marketing"


def running_campaigns(channel: str, at: datetime.datetime | None = None) -> QuerySet[Campaign]:
    """Launched campaigns using ``channel`` whose schedule includes today."""
    today = timezone.localdate(at or timezone.now())
    return Campaign.objects.filter(
        status=Campaign.Status.LAUNCHED, channels__contains=[channel], starts_on__lte=today, ends_on__gte=today
    )


def _with_offers(members: QuerySet[CampaignMember]) -> QuerySet[CampaignMember]:
    from orders.models import ProductOffering

    offerings = ProductOffering.objects.prefetch_related("prices").order_by("code")
    return members.select_related("campaign").prefetch_related(Prefetch("campaign__offerings", queryset=offerings))


# --- Outbound calls (营销外呼) -------------------------------------------------------------------------------------


def call_campaigns_for(user, *, at: datetime.datetime | None = None) -> list[Campaign]:
    """The running outbound-call campaigns with the targeted members of the agent's region still to call
    (``calls_left``; the contact policy may still leave some of them out of the list)."""
    from crm.accounts.selectors import visibility_scope

    scope = visibility_scope(user)
    if scope.nothing:
        return []
    left = Q(members__control=False, members__outcome=Outcome.PENDING)
    if not scope.all_regions:
        left &= Q(members__region_id=scope.region_id)
    campaigns = running_campaigns("outbound_call", at).annotate(calls_left=Count("members", filter=left))
    return list(campaigns.order_by("ends_on", "pk"))


def call_region(user) -> int | None:
    """The region whose members an agent calls; None for province-level staff (every region)."""
    from crm.accounts.selectors import visibility_scope

    scope = visibility_scope(user)
    return None if scope.all_regions else scope.region_id


def call_member_for(user, member_id: int) -> CampaignMember | None:
    """A targeted member of an outbound-call campaign whose customer the agent may see (None otherwise, shown as
    a 404), with the campaign and its offers' prices."""
    from customers.selectors import customers_visible_to

    members = CampaignMember.objects.filter(
        pk=member_id, control=False, campaign__channels__contains=["outbound_call"]
    ).filter(customer__in=customers_visible_to(user).values("pk"))
    return _with_offers(members).select_related("customer__party", "order").first()


def latest_churn_score(customer) -> ChurnScore | None:
    """The customer's most recent churn score (with its reasons), if any model scored them."""
    return ChurnScore.objects.filter(customer=customer).order_by("-as_of", "-probability").first()


# --- The counter's prompt and the portal banner --------------------------------------------------------------------


def campaign_prompts_for(customer, channel: str, *, at: datetime.datetime | None = None) -> list[CampaignMember]:
    """The running campaigns of ``channel`` (``hall_prompt`` or ``portal_banner``) in which the customer is a
    targeted member who has not answered yet, with their offers. The portal banner is a marketing contact: it is
    left out when the contact policy refuses the customer the portal channel now (an opt-out, quiet hours, the cap);
    the policy is asked again, and the contact recorded, when the customer answers."""
    from feedback.contact_policy import contact_allowed

    at = at or timezone.now()
    members = CampaignMember.objects.filter(
        customer=customer, control=False, outcome__in=OPEN_OUTCOMES, campaign__in=running_campaigns(channel, at)
    )
    prompts = list(_with_offers(members).order_by("campaign__ends_on", "pk"))
    policy_channel = POLICY_CHANNEL.get(channel)
    if policy_channel is None or not prompts:
        return prompts
    allowed: dict[str, bool] = {}
    for member in prompts:
        purpose = _purpose(member.campaign)
        if purpose not in allowed:
            decision = contact_allowed(customer=customer, channel=policy_channel, purpose=purpose, at=at)
            allowed[purpose] = decision.allowed
    return [m for m in prompts if allowed[_purpose(m.campaign)]]


def campaign_prompt_member(customer, member_id: int, channel: str) -> CampaignMember | None:
    """One of the customer's own targeted memberships in a campaign using ``channel`` (None for anyone else's)."""
    members = CampaignMember.objects.filter(
        pk=member_id, customer=customer, control=False, campaign__channels__contains=[channel]
    )
    return _with_offers(members).select_related("order").first()


def offering_of(member: CampaignMember, offering_id) -> object | None:
    """The campaign's offer with this id (None when the id is empty or not one of the campaign's offers)."""
    return next((o for o in member.campaign.offerings.all() if str(o.pk) == str(offering_id)), None)


# --- SMS (营销短信) ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmsRun:
    """What one SMS run of a campaign did."""

    sent: int = 0
    suppressed: int = 0
    unreachable: int = 0
    quiet_hours: bool = False  # nothing was sent: the run is for later, not a refusal of anyone


def campaign_sms_send(
    *, campaign: Campaign, at: datetime.datetime | None = None, chunk_size: int = SMS_CHUNK
) -> SmsRun:
    """Text the campaign's message to its targeted members not contacted yet, a chunk at a time: the contact policy
    is asked for each (a refusal marks the member suppressed, with the reason), the SMS is queued through
    ``crm.messaging`` and the member marked sent. Members already sent, answered or suppressed are skipped, so a
    second run texts nobody twice. In the SMS quiet hours nothing is sent and nobody is suppressed."""
    from feedback.contact_policy import in_quiet_hours

    at = at or timezone.now()
    if campaign.status != Campaign.Status.LAUNCHED or "sms" not in campaign.channels:
        raise CampaignError(_("The campaign is not running by SMS."))
    if not campaign.message.strip():
        raise CampaignError(_("The campaign has no SMS text."))
    if in_quiet_hours(channel="sms", at=at):
        return SmsRun(quiet_hours=True)
    totals = {"sent": 0, "suppressed": 0, "unreachable": 0}
    after = 0
    while True:
        done, after = _sms_chunk(campaign, after=after, at=at, size=chunk_size)
        for key, value in done.items():
            totals[key] += value
        if after is None:
            return SmsRun(**totals)


@transaction.atomic
def _sms_chunk(campaign: Campaign, *, after: int, at: datetime.datetime, size: int) -> tuple[dict, int | None]:
    """One chunk of the SMS run, in one transaction (the texts leave after it commits). Returns the counts and the
    last member id, or None when this was the last chunk."""
    from crm.messaging.services import sms_send
    from customers.selectors import preferred_phones
    from feedback.contact_policy import contact_record

    ids = list(
        CampaignMember.objects.filter(campaign=campaign, control=False, outcome=Outcome.PENDING, pk__gt=after)
        .order_by("pk")
        .values_list("pk", flat=True)[:size]
    )
    # Locked and re-read: a concurrent run skips the rows this one holds, and a member answered meanwhile is skipped.
    members = list(
        CampaignMember.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids, outcome=Outcome.PENDING)
        .select_related("customer")
        .order_by("pk")
    )
    phones = preferred_phones([m.customer.party_id for m in members])
    done = {"sent": 0, "suppressed": 0, "unreachable": 0}
    now, purpose = timezone.now(), _purpose(campaign)
    related = [{"@referredType": "Campaign", "id": campaign.code}]
    for member in members:
        member.channel, member.responded_at = "sms", now
        phone = phones.get(member.customer.party_id, "")
        if not phone:
            member.outcome, member.note = Outcome.UNREACHABLE, _("No phone number on file.")
            done["unreachable"] += 1
            continue
        decision, _contact = contact_record(customer=member.customer, channel="sms", purpose=purpose, at=at,
                                            campaign_ref=campaign.code, outcome=Outcome.SENT)  # fmt: skip
        if not decision.allowed:
            member.outcome, member.note = Outcome.SUPPRESSED, str(decision.reason)[:300]
            done["suppressed"] += 1
            continue
        sms_send(recipient=phone, body=campaign.message, purpose="campaign", related=related)
        member.outcome, member.note = Outcome.SENT, ""
        done["sent"] += 1
    CampaignMember.objects.bulk_update(members, ["outcome", "channel", "note", "responded_at"])
    return done, (ids[-1] if len(ids) == size else None)


def campaigns_sms_send_running(*, at: datetime.datetime | None = None) -> dict[str, SmsRun]:
    """The SMS run of every running SMS campaign with a text (the daily schedule calls this)."""
    at = at or timezone.now()
    runs = {}
    for campaign in running_campaigns("sms", at).exclude(message="").order_by("pk"):
        runs[campaign.code] = campaign_sms_send(campaign=campaign, at=at)
    return runs
