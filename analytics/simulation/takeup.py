"""Expected take-up (预期接受度) of a proposal by segment: a plain rule an analyst can explain, not a model.

A customer is *likely* to move to the proposal when their simulated bill is lower than their current one by more than
``min_saving_percent`` % (default 10). Each likely customer takes it up with a probability: the one given for their
segment in ``segment_probability`` if any, else ``base_probability`` (default 0.5); customers who are not likely count
zero. Expected take-up is the sum of those probabilities, and the revenue change if they took it is the sum of
probability × (simulated − current) over them (negative: revenue we would give away)."""

from __future__ import annotations

import pandas as pd

DEFAULT_MIN_SAVING = 10.0
DEFAULT_PROBABILITY = 0.5


def takeup_probability(results: pd.DataFrame, params: dict | None = None) -> pd.Series:
    """Per customer: the probability they take the proposal up (0 unless they save more than the threshold)."""
    params = params or {}
    threshold = float(params.get("min_saving_percent", DEFAULT_MIN_SAVING))
    base = float(params.get("base_probability", DEFAULT_PROBABILITY))
    by_segment = {str(k): float(v) for k, v in (params.get("segment_probability") or {}).items()}
    current = results["current_charge"].astype("float64")
    saving = current - results["simulated_charge"].astype("float64")
    likely = (current > 0) & (saving > current * threshold / 100.0)
    probability = results["segment"].map(lambda s: by_segment.get(s, base)).astype("float64")
    return probability.where(likely, 0.0)


def segment_takeup(results: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
    """Per segment: customers, how many would gain, expected take-up and the revenue change if those took it."""
    frame = results.assign(
        probability=takeup_probability(results, params),
        gain=results["difference"].astype("float64") < 0,
    )
    frame["revenue_if_taken"] = frame["probability"] * frame["difference"].astype("float64")
    out = frame.groupby("segment", sort=True).agg(
        customers=("probability", "size"),
        would_gain=("gain", "sum"),
        expected_takeup=("probability", "sum"),
        revenue_change_if_taken=("revenue_if_taken", "sum"),
    )
    out["would_gain"] = out["would_gain"].astype(int)
    return out.round({"expected_takeup": 1, "revenue_change_if_taken": 2})
