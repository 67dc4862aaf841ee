"""Each fraud detector on a small constructed day: one that fires and one that does not (no database)."""

import datetime

import pandas as pd
import pytest

from analytics.fraud.detectors import (
    DEFAULT_PARAMS,
    Context,
    ParamsError,
    baseline_stats,
    detect,
    max_concurrency,
    params_for,
)

from .fraud_fixtures import DAY, at, call, frame, normal_day, sim_box_day


def _ctx(**kwargs) -> Context:
    return Context(day=DAY, **kwargs)


def _daily(product_id: int, minutes_by_day: dict[int, float]) -> pd.DataFrame:
    """Baseline rows: days before DAY (1 = yesterday) -> outbound minutes."""
    return pd.DataFrame(
        [
            {"product_id": product_id, "day": DAY - datetime.timedelta(days=d), "minutes": m}
            for d, m in minutes_by_day.items()
        ]
    )


def test_baseline_zscore_fires_on_a_spike_against_the_lines_own_history():
    # given: line 1 talks ~10 minutes a day for four weeks; today 120 minutes. Line 2 talked as much all month.
    history = pd.concat([
        _daily(1, {d: 10 + (d % 3) for d in range(1, 29)}),
        _daily(2, {d: 110 + (d % 7) for d in range(1, 29)}),
    ])  # fmt: skip
    usage = frame(
        [call(1, at(9) + datetime.timedelta(minutes=10 * i), seconds=600) for i in range(12)]
        + [call(2, at(9) + datetime.timedelta(minutes=10 * i), seconds=600) for i in range(12)]
    )
    # when
    hits = detect("baseline_zscore", usage, {}, _ctx(baseline_daily=history))
    # then: only line 1, with its baseline in the evidence
    assert list(hits["product_id"]) == [1]
    evidence = hits["evidence"][0]
    assert evidence["minutes"] == 120.0 and evidence["baseline_median_minutes"] == 11.0
    assert evidence["robust_z"] >= 6 and hits["score"][0] >= 1


def test_baseline_zscore_needs_history_and_minimum_minutes():
    short_history = _daily(1, {1: 1, 2: 1})  # two days: not enough to judge
    usage = frame([call(1, at(9), seconds=3600)])
    assert detect("baseline_zscore", usage, {}, _ctx(baseline_daily=short_history)).empty
    small = frame([call(1, at(9), seconds=20 * 60)])  # far above a silent baseline, but under 30 minutes
    assert detect("baseline_zscore", small, {}, _ctx(baseline_daily=_daily(1, dict.fromkeys(range(1, 29), 0.5)))).empty


def test_baseline_stats_counts_silent_days_as_zero_from_the_first_day_seen():
    stats = baseline_stats(_daily(1, {10: 30.0, 2: 30.0}), day=DAY, window_days=28)
    # ten days from the first usage to yesterday, eight of them silent
    assert stats.loc[1, "history_days"] == 10 and stats.loc[1, "median"] == 0.0


def test_simultaneous_calls_fires_on_three_overlapping_calls():
    overlapping = [call(1, at(10), seconds=300), call(1, at(10, 1), seconds=300), call(1, at(10, 2), seconds=300)]
    back_to_back = [call(2, at(10), seconds=60), call(2, at(10, 1), seconds=60), call(2, at(10, 2), seconds=60)]
    usage = frame(overlapping + back_to_back)
    hits = detect("simultaneous_calls", usage, {}, _ctx())
    assert list(hits["product_id"]) == [1]
    assert hits["evidence"][0]["max_concurrent"] == 3
    assert max_concurrency(frame(back_to_back)).loc[2, "max_concurrent"] == 1


def test_simultaneous_calls_ignores_incoming_overlaps():
    usage = frame([call(1, at(10), seconds=300, outgoing=i == 0) for i in range(3)])
    assert detect("simultaneous_calls", usage, {}, _ctx()).empty


def _products(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["product_id", "customer_id", "service_number", "start_date"]).assign(
        start_date=lambda f: pd.to_datetime(f["start_date"])
    )


def test_high_risk_destination_fires_soon_after_activation_only():
    risky = [call(p, at(2, i), to=to) for p in (1, 2) for i, to in enumerate(["+88216001", "0088216002", "19001234"])]
    usage = frame(risky + [call(3, at(2), to="0044207000")] * 5)
    products = _products(
        (1, 1, "18900000001", DAY - datetime.timedelta(days=5)),  # new line
        (2, 2, "18900000002", DAY - datetime.timedelta(days=400)),  # old line: not this rule
        (3, 3, "18900000003", DAY - datetime.timedelta(days=5)),  # London is not high risk
    )
    params = {"prefixes": ["00882", "1900"], "max_days_since_start": 30, "min_calls": 3}
    hits = detect("high_risk_destination", usage, params, _ctx(products=products))
    assert list(hits["product_id"]) == [1]
    evidence = hits["evidence"][0]
    assert evidence["prefixes"] == {"00882": 2, "1900": 1} and evidence["days_since_activation"] == 5


def test_high_risk_destination_without_age_limit_counts_any_line():
    usage = frame([call(2, at(2, i), to=f"1900{i:04d}") for i in range(4)])
    params = {"prefixes": ["1900"], "max_days_since_start": None, "min_calls": 3}
    hits = detect("high_risk_destination", usage, params, _ctx())
    assert list(hits["product_id"]) == [2] and "days_since_activation" not in hits["evidence"][0]
    assert detect("high_risk_destination", usage, {**params, "min_calls": 5}, _ctx()).empty


def test_wangiri_fires_on_a_burst_of_short_calls_to_many_numbers():
    burst = [call(1, at(3) + datetime.timedelta(seconds=90 * i), to=f"1380000{i:04d}", seconds=1) for i in range(35)]
    spread = [call(2, at(0) + datetime.timedelta(minutes=40 * i), to=f"1380000{i:04d}", seconds=1) for i in range(35)]
    hits = detect("wangiri", frame(burst + spread), {}, _ctx())
    assert list(hits["product_id"]) == [1]
    assert hits["evidence"][0]["short_calls_in_window"] == 35 and hits["evidence"][0]["distinct_numbers"] == 35


def test_wangiri_international_short_calls_fire_on_their_own_threshold():
    abroad = [call(1, at(3, i), to=f"00232{i:06d}", seconds=2) for i in range(12)]
    hits = detect("wangiri", frame(abroad), {}, _ctx())
    assert list(hits["product_id"]) == [1] and hits["evidence"][0]["international_short_calls"] == 12
    assert detect("wangiri", frame(abroad), {"min_international_calls": 0}, _ctx()).empty


def test_sim_box_fires_on_the_pattern_and_not_on_a_busy_moving_line():
    busy_mover = sim_box_day(2)
    for i, record in enumerate(busy_mover):
        record["cell_id"] = f"0551-{i % 9:04d}"  # moves around the city: a busy salesperson, not a box
    usage = frame(sim_box_day(1) + busy_mover + normal_day(3))
    hits = detect("sim_box", usage, {}, _ctx())
    assert list(hits["product_id"]) == [1]
    evidence = hits["evidence"][0]
    assert evidence["outgoing_calls"] == 120 and evidence["cells"] == 1 and evidence["in_out_ratio"] <= 0.05


def test_sim_box_thresholds_come_from_the_rule():
    usage = frame(sim_box_day(1, calls=60, distinct=50))
    assert detect("sim_box", usage, {}, _ctx()).empty
    assert len(detect("sim_box", usage, {"min_calls": 50, "min_distinct": 40}, _ctx())) == 1


def test_subscription_fraud_flags_new_customers_who_never_paid():
    customers = pd.DataFrame(
        [
            (1, "C1", DAY - datetime.timedelta(days=20), 350.0, 0.0),  # new, spent, never paid
            (2, "C2", DAY - datetime.timedelta(days=20), 350.0, 100.0),  # new, paid
            (3, "C3", DAY - datetime.timedelta(days=90), 900.0, 0.0),  # not new any more
            (4, "C4", DAY - datetime.timedelta(days=5), 50.0, 0.0),  # new, small usage
        ],
        columns=["customer_id", "customer_no", "since", "charges", "paid"],
    )
    hits = detect("subscription_fraud", frame([]), {}, _ctx(new_customers=customers))
    assert list(hits["subject"]) == ["C1"] and hits["product_id"][0] is None
    assert hits["evidence"][0] == {"customer_since": "2026-10-31", "tenure_days": 20, "usage_charges": 350.0,
                                   "paid": 0.0, "min_charges": 200.0}  # fmt: skip


def test_params_are_checked_against_the_detector():
    assert params_for("sim_box", {"min_calls": 10})["min_calls"] == 10
    assert params_for("sim_box", {})["max_cells"] == DEFAULT_PARAMS["sim_box"]["max_cells"]
    with pytest.raises(ParamsError, match="unknown parameter"):
        params_for("sim_box", {"min_cals": 10})
    with pytest.raises(ParamsError, match="number"):
        params_for("sim_box", {"min_calls": "many"})
    with pytest.raises(ParamsError, match="list of text"):
        params_for("high_risk_destination", {"prefixes": "00882"})
