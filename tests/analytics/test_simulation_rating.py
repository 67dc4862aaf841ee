"""Simulated billing (模拟计费) against bills computed by hand, and the take-up rule (pure: no database)."""

import pandas as pd
import pytest

from analytics.simulation.jobs import summarise
from analytics.simulation.rating import Tariff, billed_minutes, rerate, simulated_bill
from analytics.simulation.takeup import segment_takeup, takeup_probability

# Fee 59, 300 minutes and 10 GB included, 0.15 per minute and 3 per GB beyond, 100 SMS included at 0.1 beyond,
# 10 % off the whole bill.
TARIFF = Tariff(
    recurring_fee=59,
    included_minutes=300,
    included_data_mb=10 * 1024,
    included_sms=100,
    price_per_minute=0.15,
    price_per_mb=3 / 1024,
    price_per_sms=0.1,
    discount_percent=10,
)


def _usage(rows):
    return pd.DataFrame(rows, columns=["customer_id", "voice_minutes", "data_mb", "sms", "current_charge"]).set_index(
        "customer_id"
    )


def test_the_simulated_bill_matches_the_hand_computed_one():
    usage = _usage(
        [
            # 420 min: 120 beyond × 0.15 = 18; 12 GB: 2 GB beyond × 3 = 6; 50 SMS: none beyond.
            # (59 + 18 + 6) × 0.9 = 74.70; billed 89.00 → −14.30, gains.
            (1, 420, 12 * 1024, 50, 89.00),
            # All within the allowance: 59 × 0.9 = 53.10; billed 39.00 → +14.10, loses.
            (2, 120, 2048, 10, 39.00),
            # 1000 min: 700 × 0.15 = 105; 10 GB exactly: 0; 250 SMS: 150 × 0.1 = 15.
            # (59 + 105 + 15) × 0.9 = 161.10; billed 161.10 → 0, neither.
            (3, 1000, 10 * 1024, 250, 161.10),
        ]
    )

    out = rerate(usage, TARIFF)

    assert out.loc[1, "simulated_charge"] == pytest.approx(74.70)
    assert out.loc[1, "difference"] == pytest.approx(-14.30)
    assert bool(out.loc[1, "gains"]) is True
    assert out.loc[2, "simulated_charge"] == pytest.approx(53.10)
    assert out.loc[2, "difference"] == pytest.approx(14.10)
    assert bool(out.loc[2, "gains"]) is False
    assert out.loc[3, "simulated_charge"] == pytest.approx(161.10)
    assert out.loc[3, "difference"] == pytest.approx(0)
    assert bool(out.loc[3, "gains"]) is False


def test_no_discount_and_no_usage_is_the_fee():
    usage = _usage([(1, 0, 0, 0, 10.0)])

    bill = simulated_bill(usage, Tariff(recurring_fee=29))

    assert bill.loc[1] == pytest.approx(29.0)


def test_voice_seconds_round_up_to_the_minute():
    minutes = billed_minutes(pd.Series([0, 1, 60, 61, 25_200]))

    assert minutes.tolist() == [0, 1, 1, 2, 420]


def _results(rows):
    return pd.DataFrame(rows, columns=["segment", "current_charge", "simulated_charge", "difference"])


def test_take_up_needs_a_saving_beyond_the_threshold_and_uses_the_segment_probability():
    results = _results(
        [
            ("loyal", 100.0, 85.0, -15.0),  # saves 15 % > 10 %: likely, loyal at 0.8
            ("loyal", 100.0, 95.0, -5.0),  # saves 5 %: not likely
            ("at_risk", 100.0, 80.0, -20.0),  # saves 20 %: likely, base 0.5
            ("at_risk", 50.0, 60.0, 10.0),  # pays more
            ("at_risk", 0.0, 10.0, 10.0),  # billed nothing: never likely
        ]
    )
    params = {"min_saving_percent": 10, "base_probability": 0.5, "segment_probability": {"loyal": 0.8}}

    probability = takeup_probability(results, params)
    table = segment_takeup(results, params)

    assert probability.tolist() == [0.8, 0.0, 0.5, 0.0, 0.0]
    assert table.loc["loyal", "customers"] == 2
    assert table.loc["loyal", "would_gain"] == 2
    assert table.loc["loyal", "expected_takeup"] == pytest.approx(0.8)
    assert table.loc["loyal", "revenue_change_if_taken"] == pytest.approx(-12.0)  # 0.8 × −15
    assert table.loc["at_risk", "customers"] == 3
    assert table.loc["at_risk", "would_gain"] == 1
    assert table.loc["at_risk", "expected_takeup"] == pytest.approx(0.5)
    assert table.loc["at_risk", "revenue_change_if_taken"] == pytest.approx(-10.0)  # 0.5 × −20


def test_the_summary_totals_revenue_change_gainers_and_losers():
    results = _results([("loyal", 100.0, 85.0, -15.0), ("new", 50.0, 60.0, 10.0), ("new", 20.0, 20.0, 0.0)])

    summary = summarise(results, {"min_saving_percent": 10, "base_probability": 1})

    assert summary["customers"] == 3
    assert summary["current_total"] == pytest.approx(170.0)
    assert summary["simulated_total"] == pytest.approx(165.0)
    assert summary["revenue_change"] == pytest.approx(-5.0)
    assert (summary["gainers"], summary["losers"]) == (1, 1)
    assert summary["expected_takeup"] == pytest.approx(1.0)
    assert summary["revenue_change_if_taken"] == pytest.approx(-15.0)
    assert summary["segments"]["new"]["customers"] == 2
