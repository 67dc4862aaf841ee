"""Simulated billing (模拟计费): the bill one month of usage would have produced under a proposed tariff. Pure pandas,
no database: the loader hands over one row per customer with the month's usage and what was actually billed."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# One row per customer (the index): the month's usage and the amount actually billed for it.
USAGE_COLUMNS = ["voice_minutes", "data_mb", "sms", "current_charge"]


@dataclass(frozen=True)
class Tariff:
    """The priced parts of a proposal (see ``OfferProposal``), as floats for vectorised arithmetic."""

    recurring_fee: float
    included_minutes: float = 0
    included_data_mb: float = 0
    included_sms: float = 0
    price_per_minute: float = 0
    price_per_mb: float = 0
    price_per_sms: float = 0
    discount_percent: float = 0

    @classmethod
    def from_proposal(cls, proposal) -> Tariff:
        return cls(**{name: float(getattr(proposal, name)) for name in cls.__dataclass_fields__})


def billed_minutes(voice_seconds: pd.Series) -> pd.Series:
    """Voice minutes from a month's total seconds, rounded up once. Billing rounds each call up; monthly totals do
    not keep calls, so this under-counts by up to half a minute per call (the simulation reads UsageMonthly, not
    the usage records, to stay fast on hundreds of thousands of customers)."""
    return np.ceil(voice_seconds.astype("float64") / 60.0)


def simulated_bill(usage: pd.DataFrame, tariff: Tariff) -> pd.Series:
    """fee + Σ max(0, used − included) × unit price, less the discount %, rounded to the fen."""
    overage = (
        (usage["voice_minutes"] - tariff.included_minutes).clip(lower=0) * tariff.price_per_minute
        + (usage["data_mb"] - tariff.included_data_mb).clip(lower=0) * tariff.price_per_mb
        + (usage["sms"] - tariff.included_sms).clip(lower=0) * tariff.price_per_sms
    )
    gross = tariff.recurring_fee + overage
    return (gross * (1 - tariff.discount_percent / 100.0)).round(2)


def rerate(usage: pd.DataFrame, tariff: Tariff) -> pd.DataFrame:
    """Per customer: current bill, simulated bill, difference (simulated − current) and whether the customer gains
    (pays less under the proposal)."""
    simulated = simulated_bill(usage, tariff)
    current = usage["current_charge"].astype("float64").round(2)
    difference = (simulated - current).round(2)
    return pd.DataFrame(
        {"current_charge": current, "simulated_charge": simulated, "difference": difference, "gains": difference < 0},
        index=usage.index,
    )


def round_half_up(value: float) -> float:
    """Money rounding for the totals (pandas rounds half to even)."""
    return math.floor(value * 100 + 0.5) / 100
