"""Daily aggregates and the IsolationForest anomaly alerts, on constructed days (no database)."""

import pandas as pd
import pytest

from analytics.fraud.anomaly import DAILY_FEATURES, anomaly_hits, daily_aggregates

from .fraud_fixtures import at, call, frame, normal_day, sim_box_day


@pytest.fixture
def population() -> pd.DataFrame:
    """80 ordinary lines (a little different from each other) and one SIM box (id 999)."""
    records = []
    for product_id in range(1, 81):
        records += normal_day(product_id, calls=4 + product_id % 6)
    records += sim_box_day(999)
    return frame(records)


def test_daily_aggregates_describe_each_line(population):
    aggregates = daily_aggregates(population)
    assert list(aggregates.columns[2:]) == DAILY_FEATURES and len(aggregates) == 81
    box = aggregates.loc[999]
    assert box["calls"] == 120 and box["distinct_numbers"] == 100 and box["cells"] == 1
    assert box["minutes"] == pytest.approx(80.0) and box["in_out_ratio"] == pytest.approx(2 / 121)
    ordinary = aggregates.loc[1]
    assert ordinary["calls"] == 5 and ordinary["cells"] == 2 and ordinary["data_mb"] == pytest.approx(50_000 / 1024)


def test_international_and_short_shares():
    usage = frame([call(1, at(10), to="+44123", seconds=3), call(1, at(11), to="13900001111", seconds=120)])
    row = daily_aggregates(usage).loc[1]
    assert row["international_share"] == 0.5 and row["short_share"] == 0.5


def test_anomaly_model_flags_the_sim_box_with_what_is_extreme(population):
    hits = anomaly_hits(daily_aggregates(population), {"contamination": 0.01})
    assert list(hits["product_id"]) == [999]
    extreme = hits["evidence"][0]["extreme"]
    assert "calls" in extreme or "distinct_numbers" in extreme
    some = next(iter(extreme.values()))
    assert some["value"] > some["typical"] and some["z"] >= 3


def test_anomaly_model_raises_nothing_on_ordinary_lines_only():
    records = []
    for product_id in range(1, 81):
        records += normal_day(product_id, calls=6)
    # every line alike: the most isolated one is extreme in nothing
    assert anomaly_hits(daily_aggregates(frame(records)), {"contamination": 0.02}).empty


def test_anomaly_model_needs_enough_lines_to_compare(population):
    few = daily_aggregates(population).head(10)
    assert anomaly_hits(few).empty
