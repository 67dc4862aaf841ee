"""The fraud detectors (反欺诈检测): pure functions over a day of usage records, one per ``Detector``.

Each takes the usage frame (``USAGE_COLUMNS``), the rule's parameters and a ``Context`` with the other frames it needs
(28-day baselines, subscriptions, new customers' charges and payments) and returns a frame of hits
(``HIT_COLUMNS``): the subject (service number, or customer number), customer and product ids, a score (how far past
the rule's threshold, 1 = at it) and an evidence dict of plain numbers and strings that the analyst reads. No ORM here:
the loader builds the frames, the writer stores the hits.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# Usage records of one day (or of the days a batch touched): started_s is the start in epoch seconds.
USAGE_COLUMNS = [
    "product_id", "customer_id", "service_number", "started_s", "usage_type", "outgoing", "other_number",
    "duration_s", "volume_kb", "cell_id", "charge",
]  # fmt: skip
HIT_COLUMNS = ["subject", "customer_id", "product_id", "score", "evidence"]

# Defaults of each detector's parameters: a rule's params override them; unknown keys are refused in the admin.
DEFAULT_PARAMS: dict[str, dict] = {
    "baseline_zscore": {"z_threshold": 6.0, "window_days": 28, "min_minutes": 30.0, "min_history_days": 7,
                        "mad_floor_minutes": 5.0},
    "simultaneous_calls": {"min_concurrent": 3},
    "high_risk_destination": {"prefixes": ["00882", "00881", "00232", "00675"], "max_days_since_start": 30,
                              "min_calls": 3},
    "wangiri": {"max_duration_s": 5, "min_calls": 30, "min_distinct": 20, "window_minutes": 60,
                "min_international_calls": 10},
    "sim_box": {"min_calls": 100, "min_distinct": 80, "max_in_out_ratio": 0.05, "max_cells": 1},
    "subscription_fraud": {"max_tenure_days": 60, "min_charges": 200.0, "max_paid": 0.0},
}  # fmt: skip
INTERNATIONAL_PREFIX = "00"


@dataclass
class Context:
    """What detectors read besides the day's usage; every frame may be empty."""

    day: datetime.date
    # product_id, customer_id, service_number, start_date (datetime64 or NaT)
    products: pd.DataFrame = field(default_factory=pd.DataFrame)
    # product_id, day, minutes: outbound voice minutes per day over the window before ``day``
    baseline_daily: pd.DataFrame = field(default_factory=pd.DataFrame)
    # customer_id, customer_no, since (datetime64), charges (usage since ``since``), paid (payments since ``since``)
    new_customers: pd.DataFrame = field(default_factory=pd.DataFrame)


class ParamsError(ValueError):
    """A rule's parameters do not fit its detector."""


def params_for(detector: str, params: dict | None) -> dict:
    """The detector's defaults overlaid with a rule's parameters, checked: unknown keys and wrong types fail."""
    if detector not in DEFAULT_PARAMS:
        raise ParamsError(f"unknown detector {detector!r}")
    defaults = DEFAULT_PARAMS[detector]
    merged = dict(defaults)
    for key, value in (params or {}).items():
        if key not in defaults:
            raise ParamsError(f"unknown parameter {key!r} (known: {', '.join(sorted(defaults))})")
        default = defaults[key]
        if isinstance(default, list):
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ParamsError(f"{key} must be a list of text")
            value = [v.strip() for v in value]
        elif key == "max_days_since_start" and value is None:
            pass  # no limit: any age of the line
        elif isinstance(value, bool) or not isinstance(value, int | float):
            raise ParamsError(f"{key} must be a number")
        elif value < 0:
            raise ParamsError(f"{key} must not be negative")
        merged[key] = value
    return merged


def empty_hits() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in HIT_COLUMNS})


def _hits(frame: pd.DataFrame, subject: str, score: pd.Series, evidence: list[dict]) -> pd.DataFrame:
    if frame.empty:
        return empty_hits()
    product = frame["product_id"] if "product_id" in frame else pd.Series([None] * len(frame), index=frame.index)
    return pd.DataFrame(
        {
            "subject": frame[subject].astype(str).to_numpy(),
            "customer_id": frame["customer_id"].astype("int64").to_numpy(),
            "product_id": [None if pd.isna(p) else int(p) for p in product],
            "score": np.round(score.astype(float).to_numpy(), 3),
            "evidence": evidence,
        }
    )


def _subjects(usage: pd.DataFrame) -> pd.DataFrame:
    """One row per product of the usage, with its customer and service number."""
    return usage.groupby("product_id", observed=True, sort=True).agg(
        customer_id=("customer_id", "first"), service_number=("service_number", "first")
    )


def _outgoing_voice(usage: pd.DataFrame) -> pd.DataFrame:
    return usage[(usage["usage_type"] == "voice") & usage["outgoing"]]


def _iso(epoch_s: float) -> str:
    return datetime.datetime.fromtimestamp(int(epoch_s), tz=datetime.UTC).isoformat()


# --- usage far above the line's own baseline --------------------------------------------------------------------


def baseline_stats(daily: pd.DataFrame, *, day: datetime.date, window_days: int) -> pd.DataFrame:
    """Median and MAD of each product's daily outbound minutes over the window before ``day``.

    Days without usage count as zero from the product's first day with usage in the window on (before it the line
    may not have existed, or records were not kept). Returns product_id-indexed median, mad, history_days."""
    empty = pd.DataFrame(columns=["median", "mad", "history_days"], index=pd.Index([], name="product_id"))
    if daily.empty:
        return empty
    offset = (pd.Timestamp(day) - pd.to_datetime(daily["day"])).dt.days.to_numpy()
    inside = (offset >= 1) & (offset <= window_days)
    if not inside.any():
        return empty
    products, rows = np.unique(daily["product_id"].to_numpy()[inside], return_inverse=True)
    columns = window_days - offset[inside]  # 0 = the window's first day, window_days - 1 = yesterday
    # One row per product and one column per day of the window, summed; NaN before the product's first day.
    matrix = np.zeros((len(products), window_days))
    np.add.at(matrix, (rows, columns), daily["minutes"].to_numpy(dtype=float)[inside])
    first = np.full(len(products), window_days)
    np.minimum.at(first, rows, columns)
    matrix[np.arange(window_days)[None, :] < first[:, None]] = np.nan
    median = np.nanmedian(matrix, axis=1)
    mad = np.nanmedian(np.abs(matrix - median[:, None]), axis=1)
    stats = pd.DataFrame({"median": median, "mad": mad, "history_days": window_days - first}, index=products)
    stats.index.name = "product_id"
    return stats


def detect_baseline_zscore(usage: pd.DataFrame, params: dict, ctx: Context) -> pd.DataFrame:
    """Outbound minutes today far above the line's own 28-day median (robust z-score with the MAD)."""
    p = params_for("baseline_zscore", params)
    calls = _outgoing_voice(usage)
    if calls.empty or ctx.baseline_daily.empty:
        return empty_hits()
    today = calls.groupby("product_id")["duration_s"].sum().astype(float) / 60.0
    stats = baseline_stats(ctx.baseline_daily, day=ctx.day, window_days=int(p["window_days"]))
    frame = _subjects(calls).join(today.rename("minutes")).join(stats, how="inner")
    frame = frame[frame["history_days"] >= p["min_history_days"]]
    scale = np.maximum(1.4826 * frame["mad"], float(p["mad_floor_minutes"]))
    frame = frame.assign(z=(frame["minutes"] - frame["median"]) / scale)
    frame = frame[(frame["minutes"] >= p["min_minutes"]) & (frame["z"] >= p["z_threshold"])].reset_index()
    evidence = [
        {"minutes": round(r.minutes, 1), "baseline_median_minutes": round(r.median, 1), "baseline_mad": round(r.mad, 1),
         "history_days": int(r.history_days), "robust_z": round(r.z, 1), "z_threshold": p["z_threshold"]}
        for r in frame.itertuples()
    ]  # fmt: skip
    return _hits(frame, "service_number", frame["z"] / p["z_threshold"], evidence)


# --- many simultaneous calls -----------------------------------------------------------------------------------


def max_concurrency(calls: pd.DataFrame) -> pd.DataFrame:
    """The most calls in progress at once per product (calls as [start, start + duration)), and when."""
    if calls.empty:
        return pd.DataFrame(columns=["max_concurrent", "at_s"], index=pd.Index([], name="product_id"))
    starts = pd.DataFrame({"product_id": calls["product_id"].to_numpy(), "t": calls["started_s"].to_numpy(),
                           "delta": 1})  # fmt: skip
    ends = pd.DataFrame(
        {"product_id": calls["product_id"].to_numpy(),
         "t": (calls["started_s"] + np.maximum(calls["duration_s"], 1)).to_numpy(), "delta": -1}
    )  # fmt: skip
    # At the same instant an ending call is counted before a starting one: back-to-back calls do not overlap.
    events = pd.concat([starts, ends]).sort_values(["product_id", "t", "delta"], kind="mergesort")
    events = events.reset_index(drop=True)
    events["running"] = events.groupby("product_id")["delta"].cumsum()
    positions = events.groupby("product_id")["running"].idxmax()
    out = events.loc[positions.to_numpy(), ["product_id", "running", "t"]]
    return out.rename(columns={"running": "max_concurrent", "t": "at_s"}).set_index("product_id")


def detect_simultaneous_calls(usage: pd.DataFrame, params: dict, ctx: Context) -> pd.DataFrame:
    """A line with several outgoing calls in progress at the same moment (cloned SIM, SIM box, PBX abuse)."""
    p = params_for("simultaneous_calls", params)
    calls = _outgoing_voice(usage)
    if calls.empty:
        return empty_hits()
    frame = _subjects(calls).join(max_concurrency(calls))
    frame = frame.join(calls.groupby("product_id").size().rename("calls"))
    frame = frame[frame["max_concurrent"] >= p["min_concurrent"]].reset_index()
    evidence = [
        {"max_concurrent": int(r.max_concurrent), "at": _iso(r.at_s), "outgoing_calls": int(r.calls),
         "min_concurrent": p["min_concurrent"]}
        for r in frame.itertuples()
    ]  # fmt: skip
    return _hits(frame, "service_number", frame["max_concurrent"] / p["min_concurrent"], evidence)


# --- high-risk destinations soon after activation -----------------------------------------------------------------


def normalise_number(numbers: pd.Series) -> pd.Series:
    """Dialled numbers as digits with the international prefix as 00 (+882… and 00882… compare equal)."""
    text = numbers.fillna("").astype(str).str.strip()
    return text.str.replace(r"^\+", INTERNATIONAL_PREFIX, regex=True).str.replace(r"[\s\-]", "", regex=True)


def detect_high_risk_destination(usage: pd.DataFrame, params: dict, ctx: Context) -> pd.DataFrame:
    """Calls to high-risk international or premium-rate ranges from a line activated only days ago."""
    p = params_for("high_risk_destination", params)
    calls = usage[usage["outgoing"] & usage["usage_type"].isin(["voice", "sms"])]
    prefixes = tuple(str(x) for x in p["prefixes"])
    if calls.empty or not prefixes:
        return empty_hits()
    numbers = normalise_number(calls["other_number"])
    risky = calls.assign(number=numbers)[numbers.str.startswith(prefixes)]
    if risky.empty:
        return empty_hits()
    matched = risky["number"].map(lambda n: max((x for x in prefixes if n.startswith(x)), key=len))
    risky = risky.assign(prefix=matched.to_numpy())
    frame = _subjects(risky).join(risky.groupby("product_id").agg(
        calls=("number", "size"), seconds=("duration_s", "sum"), distinct=("number", "nunique")))  # fmt: skip
    age_limit = p["max_days_since_start"]
    if age_limit is not None:
        starts = ctx.products.set_index("product_id")["start_date"] if not ctx.products.empty else pd.Series()
        start = pd.to_datetime(frame.index.map(starts), errors="coerce") if len(starts) else pd.NaT
        frame = frame.assign(days_since_start=(pd.Timestamp(ctx.day) - pd.Series(start, index=frame.index)).dt.days)
        frame = frame[frame["days_since_start"].notna() & (frame["days_since_start"] <= age_limit)]
    else:
        frame = frame.assign(days_since_start=np.nan)
    frame = frame[frame["calls"] >= p["min_calls"]].reset_index()
    by_prefix = risky.groupby(["product_id", "prefix"]).size()
    evidence = []
    for r in frame.itertuples():
        top = by_prefix.loc[r.product_id].sort_values(ascending=False).head(5)
        evidence.append(
            {"risky_calls": int(r.calls), "risky_minutes": round(r.seconds / 60, 1),
             "distinct_numbers": int(r.distinct), "prefixes": {str(k): int(v) for k, v in top.items()},
             **({"days_since_activation": int(r.days_since_start)} if pd.notna(r.days_since_start) else {}),
             "min_calls": p["min_calls"]}
        )  # fmt: skip
    return _hits(frame, "service_number", frame["calls"] / max(p["min_calls"], 1), evidence)


# --- Wangiri: bursts of very short calls ------------------------------------------------------------------------


def _densest_window(times: np.ndarray, numbers: np.ndarray, window_s: int) -> tuple[int, int, float]:
    """The most calls starting within one window, the distinct numbers among them, and the window's start."""
    order = np.argsort(times, kind="mergesort")
    times, numbers = times[order], numbers[order]
    ends = np.searchsorted(times, times + window_s, side="left")
    counts = ends - np.arange(len(times))
    i = int(np.argmax(counts))
    return int(counts[i]), len(set(numbers[i : ends[i]])), float(times[i])


def detect_wangiri(usage: pd.DataFrame, params: dict, ctx: Context) -> pd.DataFrame:
    """Bursts of very short outgoing calls to many numbers within an hour (call-back bait), or to abroad."""
    p = params_for("wangiri", params)
    calls = _outgoing_voice(usage)
    short = calls[calls["duration_s"] < p["max_duration_s"]]
    if short.empty:
        return empty_hits()
    window_s = int(p["window_minutes"] * 60)
    short = short.assign(number=normalise_number(short["other_number"]))
    rows = []
    for product_id, group in short.groupby("product_id", sort=True):
        n, distinct, at = _densest_window(group["started_s"].to_numpy(), group["number"].to_numpy(), window_s)
        abroad = group[group["number"].str.startswith(INTERNATIONAL_PREFIX)]
        n_int, _distinct, at_int = (
            _densest_window(abroad["started_s"].to_numpy(), abroad["number"].to_numpy(), window_s)
            if not abroad.empty else (0, 0, 0.0)
        )  # fmt: skip
        burst = n >= p["min_calls"] and distinct >= p["min_distinct"]
        international = p["min_international_calls"] > 0 and n_int >= p["min_international_calls"]
        if burst or international:
            abroad_score = n_int / max(p["min_international_calls"], 1) if international else 0.0
            score = max(n / max(p["min_calls"], 1), abroad_score)
            rows.append((product_id, n, distinct, at, n_int, at_int, burst, score))
    if not rows:
        return empty_hits()
    found = pd.DataFrame(rows, columns=["product_id", "n", "distinct", "at", "n_int", "at_int", "burst", "score"])
    frame = found.merge(_subjects(short).reset_index(), on="product_id")
    evidence = [
        {"short_calls_in_window": int(r.n), "distinct_numbers": int(r.distinct),
         "window_start": _iso(r.at if r.burst else r.at_int), "international_short_calls": int(r.n_int),
         "window_minutes": p["window_minutes"], "max_duration_s": p["max_duration_s"], "min_calls": p["min_calls"]}
        for r in frame.itertuples()
    ]  # fmt: skip
    return _hits(frame, "service_number", frame["score"], evidence)


# --- SIM box ----------------------------------------------------------------------------------------------------


def detect_sim_box(usage: pd.DataFrame, params: dict, ctx: Context) -> pd.DataFrame:
    """A line behaving like a SIM box: many outgoing calls to many numbers, almost no incoming, never moving."""
    p = params_for("sim_box", params)
    voice = usage[usage["usage_type"] == "voice"]
    if voice.empty:
        return empty_hits()
    out = voice[voice["outgoing"]]
    stats = pd.DataFrame(
        {
            "outgoing": out.groupby("product_id").size(),
            "distinct": out.groupby("product_id")["other_number"].nunique(),
            "incoming": voice[~voice["outgoing"]].groupby("product_id").size(),
            "cells": voice[voice["cell_id"].astype(str) != ""].groupby("product_id")["cell_id"].nunique(),
        }
    ).fillna(0)
    frame = _subjects(voice).join(stats)
    frame = frame.assign(ratio=frame["incoming"] / frame["outgoing"].where(frame["outgoing"] > 0, np.nan))
    frame = frame[
        (frame["outgoing"] >= p["min_calls"])
        & (frame["distinct"] >= p["min_distinct"])
        & (frame["ratio"] <= p["max_in_out_ratio"])
        & (frame["cells"] <= p["max_cells"])
    ].reset_index()
    evidence = [
        {"outgoing_calls": int(r.outgoing), "distinct_numbers": int(r.distinct), "incoming_calls": int(r.incoming),
         "in_out_ratio": round(r.ratio, 3), "cells": int(r.cells), "min_calls": p["min_calls"]}
        for r in frame.itertuples()
    ]  # fmt: skip
    return _hits(frame, "service_number", frame["outgoing"] / max(p["min_calls"], 1), evidence)


# --- subscription fraud -----------------------------------------------------------------------------------------


def detect_subscription_fraud(usage: pd.DataFrame, params: dict, ctx: Context) -> pd.DataFrame:
    """A new customer running up usage charges without paying anything (subscription fraud, 恶意欠费)."""
    p = params_for("subscription_fraud", params)
    customers = ctx.new_customers
    if customers.empty:
        return empty_hits()
    since = pd.to_datetime(customers["since"])
    tenure = (pd.Timestamp(ctx.day) - since).dt.days
    frame = customers.assign(tenure=tenure.to_numpy())
    frame = frame[
        frame["tenure"].between(0, p["max_tenure_days"])
        & (frame["charges"].astype(float) >= p["min_charges"])
        & (frame["paid"].astype(float) <= p["max_paid"])
    ].reset_index(drop=True)
    evidence = [
        {"customer_since": pd.Timestamp(r.since).date().isoformat(), "tenure_days": int(r.tenure),
         "usage_charges": round(float(r.charges), 2), "paid": round(float(r.paid), 2), "min_charges": p["min_charges"]}
        for r in frame.itertuples()
    ]  # fmt: skip
    return _hits(frame, "customer_no", frame["charges"].astype(float) / max(p["min_charges"], 1), evidence)


DETECTORS: dict[str, Callable[[pd.DataFrame, dict, Context], pd.DataFrame]] = {
    "baseline_zscore": detect_baseline_zscore,
    "simultaneous_calls": detect_simultaneous_calls,
    "high_risk_destination": detect_high_risk_destination,
    "wangiri": detect_wangiri,
    "sim_box": detect_sim_box,
    "subscription_fraud": detect_subscription_fraud,
}


def detect(detector: str, usage: pd.DataFrame, params: dict, ctx: Context) -> pd.DataFrame:
    """Run one detector by name."""
    return DETECTORS[detector](usage, params, ctx)
