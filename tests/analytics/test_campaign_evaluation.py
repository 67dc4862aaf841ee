"""Campaign effect against the control group: uplift with Newcombe's interval, checked against the published
examples (Newcombe, Statistics in Medicine 1998, tables of methods 10 and Wilson's 1927 interval), and the Qini
curve on a constructed ranking."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from analytics.campaigns.evaluation import qini_coefficient, qini_curve, t_learner_uplift, uplift, wilson


def test_wilson_interval_matches_the_published_example():
    low, high = wilson(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)


@pytest.mark.parametrize(
    ("treated", "converted_t", "control", "converted_c", "expected"),
    [
        (70, 56, 80, 48, (0.2, 0.0524, 0.3339)),
        (10, 9, 10, 3, (0.6, 0.1705, 0.8090)),
    ],
)
def test_uplift_and_its_interval_match_newcombes_examples(treated, converted_t, control, converted_c, expected):
    result = uplift(treated=treated, treated_converted=converted_t, control=control, control_converted=converted_c)

    assert (round(result.uplift, 4), round(result.ci_low, 4), round(result.ci_high, 4)) == expected
    assert result.significant


def test_incremental_conversions_and_revenue_are_scaled_to_the_treated_group():
    # 1,000 contacted, 120 took the offer (12 %); 500 held out, 40 converted anyway (8 %).
    result = uplift(treated=1000, treated_converted=120, control=500, control_converted=40,
                    treated_revenue=36_000.0, control_revenue=12_000.0)  # fmt: skip

    assert result.uplift == pytest.approx(0.04)
    assert result.incremental_conversions == pytest.approx(40.0)
    # 36 yuan per treated customer against 24 per control customer: 12 × 1,000 more.
    assert result.incremental_revenue == pytest.approx(12_000.0)
    assert result.ci_low < 0.04 < result.ci_high


def test_no_difference_is_not_significant_and_bad_counts_are_refused():
    assert not uplift(treated=200, treated_converted=20, control=200, control_converted=20).significant
    with pytest.raises(ValueError):
        uplift(treated=10, treated_converted=11, control=10, control_converted=1)
    with pytest.raises(ValueError):
        uplift(treated=10, treated_converted=1, control=0, control_converted=0)


def _population() -> pd.DataFrame:
    """Half the customers respond to the offer (persuadables, x=1: 60 % when treated); everyone converts 5 % of the
    time anyway (sure things), treated or not."""
    rng = np.random.default_rng(7)
    n = 4000
    x = rng.integers(0, 2, n)
    treated = rng.integers(0, 2, n)
    converted = rng.random(n) < np.where((x == 1) & (treated == 1), 0.6, 0.05)
    return pd.DataFrame({"x": x, "treated": treated, "converted": converted})


def test_a_ranking_by_true_uplift_beats_random_on_the_qini_curve():
    frame = _population()
    frame["good"] = frame["x"]  # the persuadables first
    frame["bad"] = 1 - frame["x"]  # the persuadables last

    good, bad = (
        qini_curve(frame, score="good", treated="treated", converted="converted"),
        qini_curve(frame, score="bad", treated="treated", converted="converted"),
    )

    assert good["incremental"].iloc[-1] == pytest.approx(bad["incremental"].iloc[-1])  # same people in the end
    assert qini_coefficient(good) > 0 > qini_coefficient(bad)
    # Targeting the top half by true uplift already finds nearly all the incremental conversions.
    assert good.loc[good["fraction"] == 0.5, "incremental"].item() > 0.9 * good["incremental"].iloc[-1]


def test_a_t_learner_finds_the_persuadables():
    frame = _population()
    features = frame[["x"]]
    treated = frame["treated"] == 1
    model_t = LogisticRegression().fit(features[treated], frame.loc[treated, "converted"])
    model_c = LogisticRegression().fit(
        features[~treated], frame.loc[~treated, "converted"] | (frame.index[~treated] == 0)
    )

    predicted = t_learner_uplift(model_t, model_c, pd.DataFrame({"x": [0, 1]}))

    assert predicted[1] > 0.45 and abs(predicted[0]) < 0.05
