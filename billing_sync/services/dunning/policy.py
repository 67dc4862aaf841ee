"""Arrears management policy: which ``DunningRule`` applies to a customer, the threshold, and an account's
subscriptions."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from customers.models import BillingAccount, Customer

from ...models import DunningRule

ZERO = Decimal("0.00")
# When the rule table is empty: act from 10 yuan, automatics on.
DEFAULT_RULE = DunningRule(min_arrears=Decimal("10.00"))


# --- Policy --------------------------------------------------------------------------------------------------------


def rules_table() -> dict[tuple[str, str], DunningRule]:
    return {(r.customer_class, r.service_level): r for r in DunningRule.objects.all()}


def rule_for(customer: Customer, rules: dict[tuple[str, str], DunningRule] | None = None) -> DunningRule:
    """The most specific rule for the customer: class and level, then level, then class, then the default row."""
    rules = rules_table() if rules is None else rules
    cls, level = customer.customer_class, customer.service_level
    for key in ((cls, level), ("", level), (cls, ""), ("", "")):
        if key in rules:
            return rules[key]
    return DEFAULT_RULE


def below_threshold(arrears: Decimal, rule: DunningRule) -> bool:
    return arrears <= 0 or arrears < rule.min_arrears


def account_products(account: BillingAccount):
    """The account's own subscriptions (top level; bundle components follow their bundle, services follow lines).

    Subscriptions without an account belong to the customer's first account."""
    from orders.models import Product

    first = account.customer.accounts.order_by("pk").values_list("pk", flat=True).first()
    mine = Q(billing_account=account)
    if first == account.pk:
        mine |= Q(billing_account__isnull=True, customer_id=account.customer_id)
    return (
        Product.objects.filter(mine, bundle__isnull=True)
        .exclude(specification__kind="vas")
        .select_related("customer__party")
        .order_by("pk")
    )
