"""Value groups (价值分群) and activity groups (活跃度分群): high, medium or low.

Value comes from the monthly bill (ARPU over the last 12 months): by default the population's terciles, or fixed
yuan thresholds from the job's parameters (``value_high``, ``value_low``) when marketing wants stable groups.
Activity comes from usage: how many of the last three months had any usage, and how much use there was compared
with everyone else (by default terciles again, or ``activity_high``/``activity_low`` rank thresholds)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rfm import pct_rank

HIGH, MEDIUM, LOW = "high", "medium", "low"


def _by_rank(ranks: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.where(ranks >= high, HIGH, np.where(ranks < low, LOW, MEDIUM)).astype(object)


def value_groups(arpu: pd.Series, ref: np.ndarray, params: dict | None = None) -> pd.Series:
    """High/medium/low by monthly spend: fixed yuan thresholds if given, else terciles of the reference."""
    params = params or {}
    values = arpu.astype("float64").fillna(0).to_numpy()
    if params.get("value_high") is not None and params.get("value_low") is not None:
        high, low = float(params["value_high"]), float(params["value_low"])
        groups = np.where(values >= high, HIGH, np.where(values < low, LOW, MEDIUM)).astype(object)
    else:
        groups = _by_rank(pct_rank(values, ref), 1 / 3, 2 / 3)
    return pd.Series(groups, index=arpu.index, dtype="object")


def usage_volume(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One number for "how much they use": the sum of log usage over the behaviour columns."""
    return np.log1p(frame[columns].astype("float64").clip(lower=0)).sum(axis=1)


def activity_groups(
    volume: pd.Series, active_months_3m: pd.Series, ref: np.ndarray, params: dict | None = None
) -> pd.Series:
    """High: used every one of the last three months and more than most; low: idle for three months or less than
    most; medium otherwise. The "most" thresholds are ranks (default terciles) against the reference volumes."""
    params = params or {}
    low, high = float(params.get("activity_low", 1 / 3)), float(params.get("activity_high", 2 / 3))
    ranks = np.nan_to_num(pct_rank(volume.to_numpy(), ref), nan=0.0)
    months = active_months_3m.fillna(0).to_numpy()
    groups = np.where(
        (months <= 0) | (ranks < low), LOW, np.where((months >= 3) & (ranks >= high), HIGH, MEDIUM)
    ).astype(object)
    return pd.Series(groups, index=volume.index, dtype="object")
