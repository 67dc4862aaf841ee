"""Churn labels and the leakage guard on small constructed frames (no database)."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from analytics.churn.labels import LabelWindow, LeakageError, check_no_leakage, churn_labels

CUTOFF = datetime.date(2026, 6, 30)
WINDOW = LabelWindow(CUTOFF, gap_days=30, outcome_days=90)  # outcome window (2026-07-30, 2026-10-28]
D = datetime.date


def _features(*ids, as_of=CUTOFF):
    return pd.DataFrame({"customer_id": list(ids), "as_of": as_of})


def _labels(features, products, moves=()):
    products = pd.DataFrame(products, columns=["customer_id", "start", "end"])
    moves = pd.DataFrame(list(moves), columns=["customer_id", "at"])
    return churn_labels(features, products, moves, WINDOW).set_index("customer_id")["label"].to_dict()


def test_window_dates():
    assert WINDOW.outcome_start == D(2026, 7, 30)
    assert WINDOW.outcome_end == D(2026, 10, 28)
    assert WINDOW.observation_start == D(2025, 12, 30)
    assert WINDOW.earlier().outcome_end == CUTOFF


def test_terminating_every_service_in_the_outcome_window_is_churn():
    labels = _labels(
        _features(1, 2, 3, 4, 5, 6),
        [
            (1, D(2020, 1, 1), D(2026, 9, 1)),  # 1: the only line ends in the window -> churn
            (2, D(2020, 1, 1), None),  # 2: stays
            (3, D(2020, 1, 1), D(2026, 9, 1)),  # 3: one line ends, another stays -> no churn
            (3, D(2021, 1, 1), None),
            (4, D(2020, 1, 1), D(2026, 7, 10)),  # 4: left in the gap -> dropped
            (5, D(2020, 1, 1), D(2027, 1, 1)),  # 5: leaves after the window -> stays in this window
            (6, D(2020, 1, 1), D(2026, 9, 1)),  # 6: ends a line, takes a new one in the window -> no churn
            (6, D(2026, 9, 2), None),
        ],
    )
    assert labels == {1: 1, 2: 0, 3: 0, 5: 0, 6: 0}


def test_a_port_out_in_the_window_is_churn_and_customers_not_live_at_the_cutoff_are_not_labelled():
    labels = _labels(
        _features(1, 2, 3),
        [(1, D(2020, 1, 1), None), (2, D(2026, 7, 5), None), (3, D(2020, 1, 1), D(2026, 5, 1))],
        moves=[(1, D(2026, 8, 15))],
    )
    assert labels == {1: 1}  # 2 started after the cut-off, 3 had left before it


def test_leakage_guard_refuses_features_built_after_the_cutoff():
    # A feature frame as of a day inside the gap would see the run-up to the outcome: refused.
    late = _features(1, 2, as_of=WINDOW.outcome_start)
    with pytest.raises(LeakageError):
        _labels(late, [(1, D(2020, 1, 1), None), (2, D(2020, 1, 1), None)])
    with pytest.raises(LeakageError):
        check_no_leakage(_features(1, as_of=CUTOFF + datetime.timedelta(days=1)), WINDOW)
    # As of the cut-off (or earlier) is fine.
    check_no_leakage(_features(1, as_of=CUTOFF), WINDOW)
    check_no_leakage(_features(1, as_of=CUTOFF - datetime.timedelta(days=31)), WINDOW)


def test_leakage_guard_needs_the_as_of_column():
    with pytest.raises(LeakageError):
        check_no_leakage(pd.DataFrame({"customer_id": [1]}), WINDOW)
