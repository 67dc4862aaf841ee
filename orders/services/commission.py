"""Commissions of partner halls and agent outlets (代理商佣金): one entry per completed order, from the rules table."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ..models import CommissionEntry, CommissionRule, ProductOrder


def rule_for(order: ProductOrder) -> CommissionRule | None:
    """The most specific rule in force on the completion day: an offering's own rule beats a kind's, beats any."""
    outlet = order.outlet
    if outlet is None or outlet.kind not in ("partner_hall", "agent_outlet"):
        return None
    day = timezone.localdate(order.completed_at)
    kinds = set()
    if order.offering_id:
        from ..eligibility import kinds_of

        kinds = kinds_of(order.offering)
    rules = CommissionRule.objects.filter(outlet_kind=outlet.kind, order_type=order.order_type, valid_from__lte=day)
    rules = rules.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
    rules = rules.filter(Q(offering__isnull=True) | Q(offering_id=order.offering_id))
    rules = rules.filter(Q(spec_kind="") | Q(spec_kind__in=kinds))

    def specificity(rule: CommissionRule) -> tuple:
        return (rule.offering_id is not None, rule.spec_kind != "", rule.valid_from, rule.pk)

    return max(rules, key=specificity, default=None)


def commission_record(*, order: ProductOrder) -> CommissionEntry | None:
    """Credit the outlet that took a completed order (once per order)."""
    rule = rule_for(order)
    if rule is None:
        return None
    entry, _created = CommissionEntry.objects.get_or_create(
        order=order,
        defaults={
            "outlet_id": order.outlet_id,
            "rule": rule,
            "amount": rule.amount,
            "month": timezone.localdate(order.completed_at).replace(day=1),
        },
    )
    return entry
