"""Service levels (服务等级): the rule that turns a customer's value into a level, read from the thresholds table.

The rule is a plain function of plain values so it is tested without a database; the table
(`ServiceLevelThreshold`, maintained in the admin) says what each level needs. The monthly job in
``customers.services.service_levels_recompute`` feeds it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from .models import ServiceLevelThreshold

# How far back the spend is averaged.
SPEND_MONTHS = 6


@dataclass(frozen=True)
class LevelRule:
    level: str
    rank: int
    min_avg_monthly_spend: Decimal
    min_tenure_months: int
    min_credit_rating: int | None
    max_arrears: Decimal | None

    def admits(self, *, avg_monthly_spend: Decimal, tenure_months: int, credit_rating: int | None,
               arrears: Decimal) -> bool:  # fmt: skip
        if avg_monthly_spend < self.min_avg_monthly_spend or tenure_months < self.min_tenure_months:
            return False
        if self.min_credit_rating is not None and (credit_rating is None or credit_rating < self.min_credit_rating):
            return False
        return self.max_arrears is None or arrears <= self.max_arrears


def level_rules() -> dict[str, list[LevelRule]]:
    """The thresholds table by customer class, highest rank first."""
    rules: dict[str, list[LevelRule]] = {}
    for row in ServiceLevelThreshold.objects.order_by("customer_class", "-rank"):
        rules.setdefault(row.customer_class, []).append(
            LevelRule(
                level=row.level,
                rank=row.rank,
                min_avg_monthly_spend=row.min_avg_monthly_spend,
                min_tenure_months=row.min_tenure_months,
                min_credit_rating=row.min_credit_rating,
                max_arrears=row.max_arrears,
            )
        )
    return rules


def level_for(
    rules: Sequence[LevelRule],
    *,
    avg_monthly_spend: Decimal,
    tenure_months: int,
    credit_rating: int | None,
    arrears: Decimal = Decimal(0),
) -> str | None:
    """The highest level whose conditions the customer meets, or None when the table admits nobody."""
    for rule in rules:  # highest rank first
        if rule.admits(avg_monthly_spend=avg_monthly_spend, tenure_months=tenure_months,
                       credit_rating=credit_rating, arrears=arrears):  # fmt: skip
            return rule.level
    return None


def tenure_months(since: datetime.date | None, today: datetime.date) -> int:
    """Whole months a customer has been with us (0 when unknown)."""
    if since is None or since > today:
        return 0
    months = (today.year - since.year) * 12 + today.month - since.month
    return months - 1 if today.day < since.day else months


def average_monthly_spend(customer_ids: Iterable[int]) -> dict[int, Decimal]:
    """Average monthly spend of each customer over the last ``SPEND_MONTHS`` months.

    Until the billing feed lands (its issue), bills are not in the CRM, so the spend is estimated as the
    monthly recurring charges of the customer's live products from the catalog.
    """
    from orders.selectors import monthly_recurring_charges

    return monthly_recurring_charges(list(customer_ids))
