"""One fraud scan: the rules (as data), the anomaly model and the supervised model over a day of usage.

``hits_for`` is pure (frames in, hits out); ``scan_day`` loads the frames for a scope and calls it."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

import pandas as pd

from .anomaly import DAILY_FEATURES, anomaly_hits, daily_aggregates
from .detectors import DEFAULT_PARAMS, Context, ParamsError, detect, params_for
from .loader import Scope, load_baseline_daily, load_new_customers, load_products, load_usage_day
from .supervised import supervised_hits
from .writer import WRITE_COLUMNS

log = logging.getLogger(__name__)

ANOMALY = "anomaly"
SUPERVISED = "supervised"


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the scan needs it (a plain copy of a FraudRule, so a job keeps the rules it started with)."""

    id: int | None
    code: str
    detector: str
    params: dict
    severity: str
    reason_code: str

    @classmethod
    def of(cls, rule) -> RuleSpec:
        return cls(rule.pk, rule.code, rule.detector, dict(rule.params or {}), rule.severity, rule.reason_code)

    def as_dict(self) -> dict:
        return {"id": self.id, "code": self.code, "detector": self.detector, "params": self.params,
                "severity": self.severity, "reason_code": self.reason_code}  # fmt: skip


@dataclass(frozen=True)
class Supervised:
    estimator: object
    threshold: float
    version: int


def enabled_rules(*, fast_only: bool = False) -> list[RuleSpec]:
    from ..models import FraudRule

    rules = FraudRule.objects.filter(enabled=True).order_by("code")
    if fast_only:
        rules = rules.filter(fast=True)
    return [RuleSpec.of(r) for r in rules]


def _tag(hits: pd.DataFrame, *, detector: str, rule_id, severity: str, reason_code: str) -> pd.DataFrame:
    return hits.assign(detector=detector, rule_id=rule_id, severity=severity, reason_code=reason_code)


def hits_for(
    usage: pd.DataFrame,
    ctx: Context,
    *,
    rules: list[RuleSpec],
    anomaly: dict | None = None,
    supervised: Supervised | None = None,
) -> pd.DataFrame:
    """Every rule's, the anomaly model's and the supervised model's hits (WRITE_COLUMNS); line alerts carry the
    line's daily aggregates in ``evidence["daily"]`` (what the analyst compares, and later the training row)."""
    frames = []
    for rule in rules:
        try:
            hits = detect(rule.detector, usage, rule.params, ctx)
        except ParamsError:
            log.exception("fraud rule %s has parameters its detector refuses; skipped", rule.code)
            continue
        frames.append(_tag(hits, detector=rule.code, rule_id=rule.id, severity=rule.severity,
                           reason_code=rule.reason_code))  # fmt: skip
    aggregates = daily_aggregates(usage)
    if anomaly is not None:
        frames.append(_tag(anomaly_hits(aggregates, anomaly), detector=ANOMALY, rule_id=None, severity="medium",
                           reason_code="ANOMALY"))  # fmt: skip
    if supervised is not None:
        hits = supervised_hits(supervised.estimator, aggregates, threshold=supervised.threshold)
        if not hits.empty:
            hits["evidence"] = [{**e, "model_version": supervised.version} for e in hits["evidence"]]
            severity = ["high" if s >= 0.9 else "medium" for s in hits["score"]]
            hits = _tag(hits, detector=SUPERVISED, rule_id=None, severity="medium", reason_code="MODEL")
            hits["severity"] = severity
        frames.append(hits)
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=WRITE_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[WRITE_COLUMNS]
    # Only the lines with an alert: the day's aggregates of every line would be a slow loop over a chunk.
    hit_ids = {int(p) for p in out["product_id"] if p is not None and not pd.isna(p)}
    chosen = aggregates.loc[aggregates.index.isin(hit_ids), DAILY_FEATURES]
    daily = {int(pid): {name: round(float(v), 3) for name, v in row.items()} for pid, row in chosen.iterrows()}
    out["evidence"] = [
        {**e, "daily": daily[int(p)]} if p is not None and not pd.isna(p) and int(p) in daily else e
        for e, p in zip(out["evidence"], out["product_id"], strict=True)
    ]
    return out


def scan_day(
    day: datetime.date,
    scope: Scope,
    *,
    rules: list[RuleSpec],
    anomaly: dict | None = None,
    supervised: Supervised | None = None,
) -> pd.DataFrame:
    """Load what the rules need for the scope's day and return the hits."""
    detectors = {r.detector for r in rules}
    usage = load_usage_day(day, scope)
    ctx = Context(day=day)
    if detectors & {"high_risk_destination"}:
        ctx.products = load_products(scope)
    if "baseline_zscore" in detectors and not usage.empty:
        window = max(int(params_for("baseline_zscore", r.params)["window_days"]) for r in rules
                     if r.detector == "baseline_zscore")  # fmt: skip
        ctx.baseline_daily = load_baseline_daily(day, scope, window_days=window)
    if "subscription_fraud" in detectors:
        tenure = max(
            int(r.params.get("max_tenure_days", DEFAULT_PARAMS["subscription_fraud"]["max_tenure_days"]))
            for r in rules
            if r.detector == "subscription_fraud"
        )
        ctx.new_customers = load_new_customers(day, scope, max_tenure_days=tenure)
    return hits_for(usage, ctx, rules=rules, anomaly=anomaly, supervised=supervised)
