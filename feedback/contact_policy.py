"""Contact policy (频次控制): opt-outs, quiet hours and the marketing cap, checked when a list is drawn up and again
when the contact is made. Care and service contacts are never capped and do not count against the cap."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.selectors import customers_contactable, marketing_contact_allowed

from .models import ContactPolicy, MarketingContact, QuietHours

Purpose = MarketingContact.Purpose


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def policy_for(*, service_level: str, channel: str) -> ContactPolicy | None:
    """The level's own row for the channel, else the channel's default row; None means no cap."""
    rows = {
        p.service_level: p for p in ContactPolicy.objects.filter(channel=channel, service_level__in=[service_level, ""])
    }
    return rows.get(service_level) or rows.get("")


def in_quiet_hours(*, channel: str, at: datetime.datetime) -> bool:
    quiet = QuietHours.objects.filter(channel=channel).first()
    if quiet is None:
        return False
    now = timezone.localtime(at).time()
    if quiet.start < quiet.end:
        return quiet.start <= now < quiet.end
    return now >= quiet.start or now < quiet.end  # wraps midnight, e.g. 21:00–08:00


def marketing_contacts_in_period(*, customer_id: int, at: datetime.datetime, period_days: int) -> int:
    """Marketing contacts of every channel and campaign in the ``period_days`` up to ``at``."""
    since = at - datetime.timedelta(days=period_days)
    return MarketingContact.objects.filter(
        customer_id=customer_id, purpose=Purpose.MARKETING, at__gt=since, at__lte=at
    ).count()


def contact_allowed(*, customer: Customer, channel: str, purpose: str, at: datetime.datetime) -> Decision:
    """May we contact this customer in ``channel`` for ``purpose`` at ``at``? Service contacts (a repair, an order)
    always may; care ones respect opt-outs and quiet hours but never the marketing cap (care has priority)."""
    if purpose == Purpose.SERVICE:
        return Decision(True)
    if not marketing_contact_allowed(customer, channel):
        return Decision(False, _("The customer opted out of this channel."))
    if in_quiet_hours(channel=channel, at=at):
        return Decision(False, _("Quiet hours for this channel."))
    if purpose == Purpose.CARE:
        return Decision(True)
    policy = policy_for(service_level=customer.service_level, channel=channel)
    if policy is not None:
        made = marketing_contacts_in_period(customer_id=customer.pk, at=at, period_days=policy.period_days)
        if made >= policy.max_contacts:
            return Decision(
                False,
                _("%(made)s marketing contacts in the last %(days)s days: the limit is %(max)s.")
                % {"made": made, "days": policy.period_days, "max": policy.max_contacts},
            )
    return Decision(True)


@transaction.atomic
def contact_record(
    *,
    customer: Customer,
    channel: str,
    purpose: str,
    at: datetime.datetime | None = None,
    campaign_ref: str = "",
    outcome: str = "",
) -> tuple[Decision, MarketingContact | None]:
    """Re-check the policy at contact time and log the contact if allowed. The customer row is locked first, so
    two campaigns contacting the same customer at once are serialised and cannot both pass the cap."""
    at = at or timezone.now()
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    decision = contact_allowed(customer=locked, channel=channel, purpose=purpose, at=at)
    if not decision.allowed:
        return decision, None
    contact = MarketingContact.objects.create(
        customer=locked, channel=channel, purpose=purpose, at=at, campaign_ref=campaign_ref, outcome=outcome
    )
    return decision, contact


def _within(policy: ContactPolicy, at: datetime.datetime, alias: str) -> tuple[dict, Q]:
    since = at - datetime.timedelta(days=policy.period_days)
    counted = (
        MarketingContact.objects.filter(customer=OuterRef("pk"), purpose=Purpose.MARKETING, at__gt=since, at__lte=at)
        .order_by()
        .values("customer")
        .annotate(n=Count("id"))
        .values("n")
    )
    annotation = {alias: Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))}
    return annotation, Q(**{f"{alias}__lt": policy.max_contacts})


def customers_within_cap(queryset: QuerySet[Customer], channel: str, at: datetime.datetime) -> QuerySet[Customer]:
    """The customers of ``queryset`` a marketing list in ``channel`` may include at ``at``: not opted out and under
    their level's cap, in the database. Quiet hours are a matter of when to call, checked at contact time."""
    policies = {p.service_level: p for p in ContactPolicy.objects.filter(channel=channel)}
    default = policies.pop("", None)
    annotations: dict = {}
    condition = Q()
    for i, (level, policy) in enumerate(sorted(policies.items())):
        annotation, under = _within(policy, at, f"_contacts_{i}")
        annotations.update(annotation)
        condition |= Q(service_level=level) & under
    others = ~Q(service_level__in=list(policies))
    if default is not None:
        annotation, under = _within(default, at, "_contacts_default")
        annotations.update(annotation)
        condition |= others & under
    else:
        condition |= others
    return customers_contactable(queryset, channel).annotate(**annotations).filter(condition)
