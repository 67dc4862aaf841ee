"""Campaign effect against its control group (效果评估), as pure functions on counts and frames.

- ``uplift``: the treated group's conversion rate minus the control group's, with a confidence interval (Newcombe's
  hybrid score interval from two Wilson intervals, which behaves at small counts and rates near 0 or 1 where the
  normal approximation does not), and the incremental conversions and revenue it implies for the treated group.
- ``qini_curve``: for a ranking of customers by predicted uplift (e.g. from a two-model T-learner), the cumulative
  incremental conversions when targeting the top fraction; ``qini_coefficient`` is the area between it and random.
- ``t_learner_uplift``: predicted uplift = P(convert | treated, x) − P(convert | control, x) from two classifiers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Uplift:
    treated: int
    treated_converted: int
    control: int
    control_converted: int
    treated_rate: float
    control_rate: float
    uplift: float  # treated_rate − control_rate
    ci_low: float
    ci_high: float
    incremental_conversions: float  # uplift × treated
    incremental_revenue: float | None  # (revenue per treated − revenue per control) × treated

    @property
    def significant(self) -> bool:
        """The interval excludes zero."""
        return self.ci_low > 0 or self.ci_high < 0


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    if n <= 0:
        return 0.0, 1.0
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def uplift(
    *,
    treated: int,
    treated_converted: int,
    control: int,
    control_converted: int,
    treated_revenue: float | None = None,
    control_revenue: float | None = None,
    z: float = Z_95,
) -> Uplift:
    """Conversion uplift of the treated group over the control group with Newcombe's 95 % interval."""
    if not (0 <= treated_converted <= treated and 0 <= control_converted <= control):
        raise ValueError("conversions must be between 0 and the group size")
    if treated == 0 or control == 0:
        raise ValueError("both the treated and the control group need members")
    p1, p2 = treated_converted / treated, control_converted / control
    l1, u1 = wilson(treated_converted, treated, z)
    l2, u2 = wilson(control_converted, control, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    revenue = None
    if treated_revenue is not None and control_revenue is not None:
        revenue = (treated_revenue / treated - control_revenue / control) * treated
    return Uplift(
        treated=treated,
        treated_converted=treated_converted,
        control=control,
        control_converted=control_converted,
        treated_rate=p1,
        control_rate=p2,
        uplift=difference,
        ci_low=low,
        ci_high=high,
        incremental_conversions=difference * treated,
        incremental_revenue=revenue,
    )


def qini_curve(frame: pd.DataFrame, *, score: str, treated: str, converted: str, points: int = 10) -> pd.DataFrame:
    """Cumulative incremental conversions when targeting the top k % by ``score`` (higher = more uplift expected).

    At each cut the incremental conversions are ``conv_t − conv_c × n_t / n_c`` (the control's conversions scaled
    to the treated count), the usual Qini definition. Returns rows (fraction, targeted, incremental, random)."""
    ranked = frame.sort_values(score, ascending=False, kind="mergesort").reset_index(drop=True)
    is_treated = ranked[treated].astype(bool).to_numpy()
    did_convert = ranked[converted].astype(bool).to_numpy()
    cum_t = np.cumsum(is_treated)
    cum_c = np.cumsum(~is_treated)
    conv_t = np.cumsum(is_treated & did_convert)
    conv_c = np.cumsum(~is_treated & did_convert)
    n = len(ranked)
    rows = [(0.0, 0, 0.0)]
    for i in range(1, points + 1):
        k = max(1, round(n * i / points)) - 1
        scale = cum_t[k] / cum_c[k] if cum_c[k] else 0.0
        rows.append((i / points, int(k + 1), float(conv_t[k] - conv_c[k] * scale)))
    curve = pd.DataFrame(rows, columns=["fraction", "targeted", "incremental"])
    curve["random"] = curve["fraction"] * curve["incremental"].iloc[-1]
    return curve


def qini_coefficient(curve: pd.DataFrame) -> float:
    """Area between the Qini curve and the random line (trapezoids over the fractions)."""
    gap = (curve["incremental"] - curve["random"]).to_numpy()
    return float(np.trapezoid(gap, curve["fraction"].to_numpy()))


def t_learner_uplift(model_treated, model_control, features: pd.DataFrame) -> np.ndarray:
    """Predicted uplift of two fitted classifiers (one trained on the treated, one on the control group)."""
    return model_treated.predict_proba(features)[:, 1] - model_control.predict_proba(features)[:, 1]
