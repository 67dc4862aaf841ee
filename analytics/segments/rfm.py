"""RFM scoring (RFM 模型): recency, frequency and monetary value scored in quintiles 1–5, mapped to named segments.

Scores are ranks against a reference distribution (the population, or a sample of it drawn once per run), so every
chunk of a job scores its customers on the same scale. Ties take their average rank: a value shared by half the
customers lands in the middle of that half, not at its edge (e.g. "no payment in 12 months" is not scored 3 just
because it is common)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

SCORES = 5


@dataclass(frozen=True)
class Segment:
    """A named RFM segment: recency score and the F/M score (their rounded mean) within the given ranges."""

    code: str
    label: str | Promise
    r: tuple[int, int]
    fm: tuple[int, int]
    advice: str | Promise = ""


# Read in order, the first match wins; together they cover the whole 5 × 5 grid of R and FM.
SEGMENTS: tuple[Segment, ...] = (
    Segment("champions", _("Champions (重要价值客户)"), (4, 5), (4, 5), _("Reward them; ask for referrals.")),
    Segment("cant_lose", _("Can't lose them (重要挽留客户)"), (1, 1), (4, 5), _("Win them back before they go.")),
    Segment("at_risk", _("At risk (重要保持客户)"), (1, 2), (3, 5), _("Call them; offer a retention package.")),
    Segment("loyal", _("Loyal (忠诚客户)"), (3, 5), (3, 5), _("Upsell and bundle.")),
    Segment("new", _("New (新客户)"), (5, 5), (1, 1), _("Welcome them; explain the plan.")),
    Segment("potential", _("Potential (潜力客户)"), (4, 5), (1, 2), _("Offer a bigger plan or a bundle.")),
    Segment("needs_attention", _("Needs attention (需关注客户)"), (3, 3), (2, 2), _("A limited-time offer.")),
    Segment("about_to_sleep", _("About to sleep (即将沉睡客户)"), (3, 3), (1, 1), _("Remind them of what they have.")),
    Segment("hibernating", _("Hibernating (休眠客户)"), (2, 2), (1, 2), _("A low-cost reactivation offer.")),
    Segment("lost", _("Lost (流失客户)"), (1, 1), (1, 2), _("Only cheap win-back campaigns.")),
)
SEGMENT_BY_CODE = {s.code: s for s in SEGMENTS}


def segment_label(code: str) -> str:
    """The translated name of a segment code ("" stays ""; an unknown code is shown as it is)."""
    segment = SEGMENT_BY_CODE.get(code)
    return str(segment.label) if segment else code


def reference(values) -> np.ndarray:
    """The sorted finite values a later ``pct_rank`` compares with (what prepare keeps from its sample)."""
    array = np.asarray(values, dtype="float64")
    return np.sort(array[np.isfinite(array)])


def pct_rank(values, ref: np.ndarray) -> np.ndarray:
    """Each value's mid-rank in the reference, in (0, 1): ties share their average rank. NaN stays NaN."""
    array = np.asarray(values, dtype="float64")
    if len(ref) == 0:
        return np.where(np.isfinite(array), 0.5, np.nan)
    below = np.searchsorted(ref, array, side="left")
    at_or_below = np.searchsorted(ref, array, side="right")
    ranks = (below + at_or_below) / (2.0 * len(ref))
    return np.where(np.isfinite(array), ranks, np.nan)


def quintile_scores(values, ref: np.ndarray, *, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1–5 by the value's rank in the reference; missing values score 1 (the worst)."""
    ranks = pct_rank(values, ref)
    if not higher_is_better:
        ranks = 1.0 - ranks
    scores = np.ceil(np.nan_to_num(ranks, nan=0.0) * SCORES)
    return np.clip(scores, 1, SCORES).astype("int8")


@dataclass(frozen=True)
class RfmReference:
    """The population's recency, frequency and monetary values, sorted: the scale every chunk scores against."""

    recency: np.ndarray
    frequency: np.ndarray
    monetary: np.ndarray

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> RfmReference:
        return cls(
            recency=reference(frame["recency_days"]),
            frequency=reference(frame["frequency"]),
            monetary=reference(frame["monetary"]),
        )


def segment_of(r: int, fm: int) -> str:
    for segment in SEGMENTS:
        if segment.r[0] <= r <= segment.r[1] and segment.fm[0] <= fm <= segment.fm[1]:
            return segment.code
    raise ValueError(f"No RFM segment covers R={r}, FM={fm}")  # the table covers the grid; a test checks it


def rfm_segments(frame: pd.DataFrame, ref: RfmReference | None = None) -> pd.DataFrame:
    """Score customers and name their segment.

    ``frame`` has ``recency_days`` (days since the last payment, else the last usage; NaN = never), ``frequency``
    (payments in the last 12 months, or months with usage if more) and ``monetary`` (billed in the last 12 months),
    indexed by customer. Returns
    ``r``, ``f``, ``m`` (1–5), ``rfm`` ("545") and ``segment`` (a code of ``SEGMENTS``) on the same index."""
    ref = ref or RfmReference.from_frame(frame)
    r = quintile_scores(frame["recency_days"], ref.recency, higher_is_better=False)
    f = quintile_scores(frame["frequency"], ref.frequency)
    m = quintile_scores(frame["monetary"], ref.monetary)
    fm = np.floor((f.astype("float32") + m) / 2 + 0.5).astype("int8")  # half rounds up: F5 M4 is FM 5
    lookup = np.empty((SCORES + 1, SCORES + 1), dtype=object)
    for ri in range(1, SCORES + 1):
        for fi in range(1, SCORES + 1):
            lookup[ri, fi] = segment_of(ri, fi)
    out = pd.DataFrame({"r": r, "f": f, "m": m}, index=frame.index)
    out["rfm"] = out["r"].astype(str) + out["f"].astype(str) + out["m"].astype(str)
    out["segment"] = pd.Series(lookup[r, fm], index=frame.index, dtype="object")
    return out
