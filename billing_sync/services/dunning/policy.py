"""Arrears management policy: which ``DunningRule`` applies to a customer (with the grace of their credit rating's
``DunningCreditBand``), the threshold, and an account's subscriptions."""

from __future__ import annotations

import copy
from decimal import Decimal

from django.db.models import Q

from customers.models import BillingAccount, Customer

from ...models import DunningCreditBand, DunningRule

ZERO = Decimal("0.00")
# When the rule table is empty: act from 10 yuan, automatics on.
DEFAULT_RULE = DunningRule(min_arrears=Decimal("10.00"))


# --- Policy --------------------------------------------------------------------------------------------------------


class RulesTable(dict):
    """The rules by (class, level), and the credit bands read with them (one query each per run)."""

    credit_bands: list[DunningCreditBand]


def rules_table() -> RulesTable:
    table = RulesTable({(r.customer_class, r.service_level): r for r in DunningRule.objects.all()})
    table.credit_bands = list(DunningCreditBand.objects.order_by("min_rating"))
    return table


def rule_for(customer: Customer, rules: dict[tuple[str, str], DunningRule] | None = None) -> DunningRule:
    """The most specific rule for the customer: class and level, then level, then class, then the default row;
    its grace days moved by the customer's credit band, if they are rated and a band covers the rating."""
    rules = rules_table() if rules is None else rules
    cls, level = customer.customer_class, customer.service_level
    rule = next((rules[key] for key in ((cls, level), ("", level), (cls, ""), ("", "")) if key in rules), DEFAULT_RULE)
    band = credit_band_for(customer.credit_rating, getattr(rules, "credit_bands", None))
    if band is None or not band.extra_grace_days:
        return rule
    # A copy for this customer only: the table's row is shared by every case of the run and is never saved here.
    adjusted = copy.copy(rule)
    adjusted.grace_days = rule.grace_days + band.extra_grace_days
    adjusted.credit_band = band
    return adjusted


def credit_band_for(rating: int | None, bands: list[DunningCreditBand] | None) -> DunningCreditBand | None:
    if rating is None or not bands:
        return None
    return next((b for b in bands if b.min_rating <= rating <= b.max_rating), None)


def earliest_credit_shift() -> int:
    """The most negative extra grace of any credit band (0 if none): how many days early a phase can fall due."""
    return min([0, *DunningCreditBand.objects.values_list("extra_grace_days", flat=True)])


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
