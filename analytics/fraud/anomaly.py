"""Daily subscriber aggregates and the anomaly model (IsolationForest) over them: pure pandas / scikit-learn.

The aggregates are also the features of the supervised model (``supervised.py``) and are kept with every alert's
evidence, so analysts' verdicts become training rows without reading old usage again."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest

from .detectors import INTERNATIONAL_PREFIX, empty_hits, normalise_number

# name -> meaning (shown on the alert page next to the value)
DAILY_FEATURES = [
    "calls", "minutes", "distinct_numbers", "short_share", "international_share", "in_out_ratio", "cells", "data_mb",
    "sms",
]  # fmt: skip
SHORT_CALL_S = 10
# The model compares lines that made at least ``min_calls`` outgoing calls that day: next to the many data-only and
# quiet lines (median 0 calls), any talking line would look extreme.
ANOMALY_DEFAULTS = {"contamination": 0.001, "min_lines": 50, "min_calls": 2, "z_extreme": 3.0, "random_state": 0}
# Shares and ratios are not logged; counts and volumes are (heavy-tailed).
_LOGGED = ("calls", "minutes", "distinct_numbers", "cells", "data_mb", "sms")


def daily_aggregates(usage: pd.DataFrame) -> pd.DataFrame:
    """One row per product of the day's usage with DAILY_FEATURES (float32), customer_id and service_number."""
    if usage.empty:
        return pd.DataFrame(columns=["customer_id", "service_number", *DAILY_FEATURES],
                            index=pd.Index([], name="product_id"))  # fmt: skip
    voice = usage["usage_type"] == "voice"
    out_voice = usage[voice & usage["outgoing"]]
    numbers = normalise_number(out_voice["other_number"])
    out_voice = out_voice.assign(
        short=(out_voice["duration_s"] < SHORT_CALL_S), abroad=numbers.str.startswith(INTERNATIONAL_PREFIX)
    )
    by_product = usage.groupby("product_id", sort=True)
    frame = by_product.agg(customer_id=("customer_id", "first"), service_number=("service_number", "first"))
    out = out_voice.groupby("product_id")
    incoming = usage[voice & ~usage["outgoing"]].groupby("product_id").size()
    cells = usage[usage["cell_id"].astype(str) != ""].groupby("product_id")["cell_id"].nunique()
    frame = frame.assign(
        calls=out.size(),
        minutes=out["duration_s"].sum() / 60.0,
        distinct_numbers=out["other_number"].nunique(),
        short_share=out["short"].mean(),
        international_share=out["abroad"].mean(),
        incoming=incoming,
        cells=cells,
        data_mb=usage[usage["usage_type"] == "data"].groupby("product_id")["volume_kb"].sum() / 1024.0,
        sms=usage[(usage["usage_type"] == "sms") & usage["outgoing"]].groupby("product_id").size(),
    ).fillna({"calls": 0, "minutes": 0, "distinct_numbers": 0, "short_share": 0, "international_share": 0,
              "incoming": 0, "cells": 0, "data_mb": 0, "sms": 0})  # fmt: skip
    # Incoming per outgoing call, with one call added below so a line without outgoing calls is not infinite.
    frame["in_out_ratio"] = frame["incoming"] / (frame["calls"] + 1)
    frame = frame[["customer_id", "service_number", *DAILY_FEATURES]]
    return frame.astype(dict.fromkeys(DAILY_FEATURES, "float32"))


def model_matrix(aggregates: pd.DataFrame) -> np.ndarray:
    """The feature matrix both models see: counts and volumes as log1p, shares as they are."""
    matrix = aggregates[DAILY_FEATURES].astype("float64").copy()
    for name in _LOGGED:
        matrix[name] = np.log1p(matrix[name].clip(lower=0))
    return matrix.to_numpy()


def extremes(aggregates: pd.DataFrame, *, z: float, positions=None) -> list[dict]:
    """For the rows at ``positions`` (default all), the aggregates far above the population (robust z ≥ ``z``),
    most extreme first, with the population's median as "typical"."""
    matrix = pd.DataFrame(model_matrix(aggregates), columns=DAILY_FEATURES, index=aggregates.index)
    median = matrix.median()
    mad = (matrix - median).abs().median() * 1.4826
    scale = mad.where(mad > 1e-6, matrix.std(ddof=0).where(lambda s: s > 1e-6, 1.0))
    zscores = (matrix - median) / scale
    population = aggregates[DAILY_FEATURES].median()
    out = []
    for position in range(len(aggregates)) if positions is None else positions:
        row = zscores.iloc[position]
        high = row[row >= z].sort_values(ascending=False)
        out.append(
            {
                name: {
                    "value": round(float(aggregates[name].iloc[position]), 3),
                    "typical": round(float(population[name]), 3),
                    "z": round(float(high[name]), 1),
                }
                for name in high.index[:4]
            }
        )
    return out


def anomaly_hits(aggregates: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
    """IsolationForest over the day's talking lines: the most isolated ``contamination`` share becomes alerts, if at
    least one aggregate of theirs is extreme on the high side (a line that is merely quiet is not fraud)."""
    p = {**ANOMALY_DEFAULTS, **(params or {})}
    aggregates = aggregates[aggregates["calls"] >= p["min_calls"]]
    if len(aggregates) < p["min_lines"]:
        return empty_hits()
    model = IsolationForest(n_estimators=100, contamination="auto", random_state=int(p["random_state"]))
    matrix = model_matrix(aggregates)
    model.fit(matrix)
    # score_samples: lower = more anomalous. Take the lowest share, at least one line.
    anomaly = -model.score_samples(matrix)
    n = max(1, round(len(aggregates) * float(p["contamination"])))
    top = np.argsort(-anomaly, kind="mergesort")[:n]
    chosen = aggregates.iloc[top]
    reasons = extremes(aggregates, z=float(p["z_extreme"]), positions=top)
    rows = []
    for position, extreme, (product_id, row) in zip(top, reasons, chosen.iterrows(), strict=True):
        if not extreme:
            continue
        rows.append(
            {"subject": str(row["service_number"]), "customer_id": int(row["customer_id"]),
             "product_id": int(product_id), "score": round(float(anomaly[position]), 3),
             "evidence": {"anomaly_score": round(float(anomaly[position]), 3), "extreme": extreme,
                          "lines_compared": len(aggregates)}}
        )  # fmt: skip
    return pd.DataFrame(rows) if rows else empty_hits()
