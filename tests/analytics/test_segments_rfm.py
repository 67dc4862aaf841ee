"""RFM scoring (pure): quintiles against a reference, ties by average rank, and the segment table's coverage."""

import numpy as np
import pandas as pd
import pytest
from django.utils import translation

from analytics.segments.groups import activity_groups, usage_volume, value_groups
from analytics.segments.rfm import (
    SEGMENTS,
    RfmReference,
    quintile_scores,
    reference,
    rfm_segments,
    segment_label,
    segment_of,
)


def test_quintiles_split_distinct_values_into_five_equal_groups():
    values = np.arange(100)
    scores = quintile_scores(values, reference(values))
    assert [int((scores == s).sum()) for s in range(1, 6)] == [20, 20, 20, 20, 20]
    assert scores[0] == 1 and scores[-1] == 5


def test_lower_recency_is_better_and_never_scores_worst():
    ref = reference([1, 5, 10, 30, 60, 90, 120, 200, 300, 365])
    scores = quintile_scores([1, 365, np.nan], ref, higher_is_better=False)
    assert list(scores) == [5, 1, 1]


def test_ties_share_their_average_rank_instead_of_the_edge():
    # Half the customers paid nothing: they all score the same, and lower than anyone who paid.
    values = np.array([0] * 50 + list(range(1, 51)))
    scores = quintile_scores(values, reference(values))
    assert len(set(scores[:50])) == 1
    assert scores[0] == 2  # mid-rank 0.25 of the population
    assert scores[:50].max() < scores[50:].max()
    assert scores[-1] == 5


def test_scores_use_the_reference_not_the_chunk():
    ref = reference(np.arange(1000))
    # A chunk of only big spenders all score 5 against the population, not 1..5 among themselves.
    assert set(quintile_scores(np.arange(900, 1000), ref)) == {5}


def test_every_cell_of_the_grid_has_a_segment_and_codes_are_unique():
    assert len({s.code for s in SEGMENTS}) == len(SEGMENTS)
    for r in range(1, 6):
        for fm in range(1, 6):
            assert segment_of(r, fm)


def test_segments_from_a_frame():
    frame = pd.DataFrame(
        {
            "recency_days": [1, 2, 300, 350, 2, 40, 200, np.nan, 5, 10],
            "frequency": [12, 11, 12, 0, 1, 6, 1, 0, 9, 8],
            "monetary": [3000, 2500, 2800, 0, 40, 600, 30, 0, 1200, 900],
        },
        index=pd.Index(range(101, 111), name="customer_id"),
    )
    out = rfm_segments(frame, RfmReference.from_frame(frame))
    assert out.loc[101, "segment"] == "champions"
    assert out.loc[103, "segment"] in {"cant_lose", "at_risk"}  # spent a lot, long ago
    assert out.loc[108, "segment"] == "lost"  # never active
    assert out.loc[105, "segment"] in {"new", "potential"}  # recent, little
    assert out.loc[101, "rfm"] == "555"
    assert out["r"].between(1, 5).all() and out["m"].between(1, 5).all()


def test_segment_labels_are_translated():
    with translation.override("en"):
        assert segment_label("champions").startswith("Champions")
        assert segment_label("") == ""
        assert segment_label("unknown") == "unknown"


def test_value_groups_by_terciles_or_by_fixed_thresholds():
    arpu = pd.Series([10.0, 50, 90, 130, 170, 210], index=range(6))
    groups = value_groups(arpu, reference(arpu))
    assert list(groups) == ["low", "low", "medium", "medium", "high", "high"]
    fixed = value_groups(arpu, reference(arpu), {"value_high": 200, "value_low": 20})
    assert list(fixed) == ["low", "medium", "medium", "medium", "medium", "high"]


def test_activity_needs_recent_months_as_well_as_volume():
    frame = pd.DataFrame({"voice_min": [0, 10, 100, 500, 500], "data_mb": [0, 10, 500, 5000, 5000]})
    volume = usage_volume(frame, ["voice_min", "data_mb"])
    months = pd.Series([0, 3, 3, 3, 1])
    groups = activity_groups(volume, months, reference(volume))
    assert groups[0] == "low"  # idle
    assert groups[3] == "high"
    assert groups[4] == "medium"  # heavy, but only one of the last three months


@pytest.mark.parametrize("value,expected", [(np.nan, 1)])
def test_missing_monetary_scores_one(value, expected):
    assert quintile_scores([value], reference([1, 2, 3]))[0] == expected
