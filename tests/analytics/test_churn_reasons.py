"""Readable churn reasons from feature contributions (no database)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.utils import translation

from analytics.churn.reasons import contributions, reason_text, top_reasons


def test_reason_texts_read_like_an_agent_would_say_them():
    with translation.override("en"):
        assert reason_text("usage_trend_3m", -0.6) == "usage down 60 % in 3 months"
        assert reason_text("complaints_open", 2) == "2 complaints unresolved"
        assert reason_text("complaints_open", 1) == "1 complaint unresolved"
        assert reason_text("arrears_now", 35.5) == "arrears of 35.50 yuan"
        assert reason_text("service_level", "gold") == "Service level (diamond … basic, 1A … 5B).: gold"


def test_top_reasons_are_the_features_that_raise_the_score_most():
    # A toy "model": risk grows with falling usage and with open complaints; tenure lowers it.
    def predict(frame):
        z = -2 - 3 * frame["usage_trend_3m"] + 0.5 * frame["complaints_open"] - 0.01 * frame["tenure_months"]
        return 1 / (1 + np.exp(-z.to_numpy(dtype=float)))

    frame = pd.DataFrame(
        {
            "usage_trend_3m": [-0.6, 0.0],
            "complaints_open": [2.0, 0.0],
            "tenure_months": [100.0, 12.0],
            "region_id": pd.Categorical(["1", "1"]),
        }
    )
    reference = {"usage_trend_3m": 0.0, "complaints_open": 0.0, "tenure_months": 24.0, "region_id": "1"}
    p, contribution = contributions(predict, frame, reference, list(frame.columns))
    assert p[0] > p[1]
    with translation.override("en"):
        reasons = top_reasons(frame, contribution)
    first = [r["feature"] for r in reasons[0]]
    assert first == ["usage_trend_3m", "complaints_open"]  # long tenure lowers the risk: not a reason
    assert reasons[0][0]["text"] == "usage down 60 % in 3 months"
    assert reasons[0][1]["text"] == "2 complaints unresolved"
    assert reasons[0][0]["contribution"] > reasons[0][1]["contribution"] > 0
    # The second customer is at the reference except a short tenure, which raises the risk a little
    assert [r["feature"] for r in reasons[1]] == ["tenure_months"]


def test_every_numeric_feature_has_its_own_sentence():
    from analytics.churn.reasons import TEXTS
    from analytics.features.catalog import NUMERIC

    assert set(NUMERIC) <= set(TEXTS)
    with translation.override("en"):
        assert reason_text("bill_avg_6m", 131.8383) == "bills 131.84 yuan a month over 6 months"
        assert reason_text("months_to_contract_end", float("nan")) == "no contract in force"
        assert reason_text("sms_1m", 1) == "1 message last month"


def test_a_tiny_trend_is_not_shown_as_a_reason():
    frame = pd.DataFrame({"bill_trend_3m": [-0.01], "complaints_open": [1.0]})
    contribution = pd.DataFrame({"bill_trend_3m": [0.3], "complaints_open": [0.1]})
    with translation.override("en"):
        reasons = top_reasons(frame, contribution)
    assert [r["feature"] for r in reasons[0]] == ["complaints_open"]


def test_contributions_predict_again_only_the_rows_away_from_the_reference():
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "complaints_open": np.where(rng.random(n) < 0.1, 2.0, 0.0),  # sparse: most at the reference
            "usage_trend_3m": rng.normal(0, 0.3, n),
            "months_to_contract_end": np.where(rng.random(n) < 0.2, 6.0, np.nan),  # NaN is not the reference
            "service_level": pd.Categorical(rng.choice(["gold", "silver"], n)),
        }
    )
    reference = {"complaints_open": 0.0, "usage_trend_3m": 0.0, "months_to_contract_end": 6.0, "service_level": "gold"}
    predicted_rows = []

    def predict(part):
        predicted_rows.append(len(part))
        contract = part["months_to_contract_end"].fillna(24).to_numpy()
        gold = (part["service_level"].astype(str) == "gold").to_numpy()
        z = part["complaints_open"].to_numpy() - 2 * part["usage_trend_3m"].to_numpy() - 0.1 * contract - gold
        return 1 / (1 + np.exp(-z))

    base, contribution = contributions(predict, frame, reference, list(frame.columns))

    # the same numbers as replacing each feature for every row
    for name in frame.columns:
        changed = frame.copy()
        if name == "service_level":
            changed[name] = pd.Categorical(["gold"] * n, categories=frame[name].cat.categories)
        else:
            changed[name] = reference[name]
        np.testing.assert_allclose(contribution[name].to_numpy(), base - predict(changed), rtol=0, atol=1e-12)
    # but the sparse feature cost only its non-zero rows
    assert predicted_rows[1] == int((frame["complaints_open"] != 0).sum()) < n // 4
