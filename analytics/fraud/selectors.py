"""Fraud reads: the analyst queue scoped to the user's region, one alert with readable evidence, rule precision."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from crm.accounts.selectors import visibility_scope

from ..models import FraudAlert, FraudRule
from .anomaly import DAILY_FEATURES
from .run import ANOMALY, SUPERVISED

SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1}

# What each evidence key means, for the alert page (keys not listed are shown as they are).
EVIDENCE_LABELS = {
    "minutes": _("outbound minutes today"),
    "baseline_median_minutes": _("usual minutes a day (median of the baseline)"),
    "baseline_mad": _("usual spread (MAD, minutes)"),
    "history_days": _("days of history"),
    "robust_z": _("robust z-score"),
    "z_threshold": _("z-score threshold"),
    "max_concurrent": _("calls at the same time"),
    "at": _("at"),
    "outgoing_calls": _("outgoing calls"),
    "min_concurrent": _("threshold (calls at once)"),
    "risky_calls": _("calls to high-risk ranges"),
    "risky_minutes": _("minutes to high-risk ranges"),
    "distinct_numbers": _("different numbers called"),
    "prefixes": _("ranges called (calls)"),
    "days_since_activation": _("days since activation"),
    "min_calls": _("threshold (calls)"),
    "short_calls_in_window": _("very short calls within the window"),
    "window_start": _("window starts"),
    "international_short_calls": _("very short calls abroad within the window"),
    "window_minutes": _("window (minutes)"),
    "max_duration_s": _("short means under (seconds)"),
    "incoming_calls": _("incoming calls"),
    "in_out_ratio": _("incoming per outgoing call"),
    "cells": _("cells used"),
    "customer_since": _("customer since"),
    "tenure_days": _("days as a customer"),
    "usage_charges": _("usage charges since joining (yuan)"),
    "paid": _("paid since joining (yuan)"),
    "min_charges": _("threshold (yuan)"),
    "anomaly_score": _("anomaly score"),
    "extreme": _("unusually high today"),
    "lines_compared": _("lines compared"),
    "probability": _("fraud probability (model)"),
    "threshold": _("threshold"),
    "model_version": _("model version"),
}
FEATURE_LABELS = {
    "calls": _("outgoing calls"),
    "minutes": _("outgoing minutes"),
    "distinct_numbers": _("different numbers called"),
    "short_share": _("share of calls under 10 s"),
    "international_share": _("share of calls abroad"),
    "in_out_ratio": _("incoming per outgoing call"),
    "cells": _("cells used"),
    "data_mb": _("data (MB)"),
    "sms": _("messages sent"),
}
DETECTOR_LABELS = {ANOMALY: _("Anomaly model (IsolationForest)"), SUPERVISED: _("Supervised model (learned verdicts)")}


def _ranked(queryset: QuerySet[FraudAlert]) -> QuerySet[FraudAlert]:
    return queryset.annotate(
        severity_rank=Case(
            *[When(severity=k, then=Value(v)) for k, v in SEVERITY_RANK.items()],
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def alerts_visible_to(user) -> QuerySet[FraudAlert]:
    """Alerts of the user's region (province staff: all) with what the queue shows, severity rank annotated."""
    alerts = FraudAlert.objects.select_related("customer__party", "product", "rule", "reviewed_by")
    return _ranked(visibility_scope(user).filter(alerts, region_lookup="region_id"))


def alert_for(user, pk: int) -> FraudAlert:
    """One alert the user may see; raises FraudAlert.DoesNotExist otherwise."""
    return alerts_visible_to(user).select_related("suspension_order").get(pk=pk)


@dataclass
class EvidenceRow:
    label: str
    value: object
    rows: list | None = None  # nested: the extreme aggregates, or the day's aggregates


def evidence_rows(alert: FraudAlert) -> tuple[list[EvidenceRow], list[EvidenceRow]]:
    """The alert's evidence as labelled rows, and the line's daily aggregates (if kept) as a second table."""
    evidence = dict(alert.evidence or {})
    daily = evidence.pop("daily", None) or {}
    rows = []
    for key, value in evidence.items():
        label = str(EVIDENCE_LABELS.get(key, key))
        if key == "extreme" and isinstance(value, dict):
            nested = [
                EvidenceRow(
                    str(FEATURE_LABELS.get(name, name)), f"{v.get('value')} ({v.get('typical')}, z {v.get('z')})"
                )
                for name, v in value.items()
            ]
            rows.append(EvidenceRow(label, "", nested))
        elif isinstance(value, dict):
            rows.append(EvidenceRow(label, ", ".join(f"{k}: {v}" for k, v in value.items())))
        else:
            rows.append(EvidenceRow(label, value))
    aggregates = [EvidenceRow(str(FEATURE_LABELS[n]), daily[n]) for n in DAILY_FEATURES if n in daily]
    return rows, aggregates


@dataclass
class RuleQuality:
    code: str
    name: str
    detector: str
    severity: str
    enabled: bool
    rule_id: int | None
    alerts: int
    open: int
    confirmed: int
    dismissed: int

    @property
    def precision(self) -> float | None:
        """Confirmed share of the reviewed alerts: how often the rule is right when an analyst checks."""
        reviewed = self.confirmed + self.dismissed
        return self.confirmed / reviewed if reviewed else None


def rule_quality(user) -> list[RuleQuality]:
    """Per rule (and per model), its alerts in the user's scope: open, confirmed, dismissed, and precision."""
    counts = {
        row["detector"]: row
        for row in visibility_scope(user)
        .filter(FraudAlert.objects.all(), region_lookup="region_id")
        .values("detector")
        .annotate(
            alerts=Count("id"),
            open=Count("id", filter=Q(status=FraudAlert.Status.OPEN)),
            confirmed=Count("id", filter=Q(status=FraudAlert.Status.CONFIRMED)),
            dismissed=Count("id", filter=Q(status=FraudAlert.Status.DISMISSED)),
        )
        .order_by()
    }
    empty = {"alerts": 0, "open": 0, "confirmed": 0, "dismissed": 0}
    out = []
    for rule in FraudRule.objects.order_by("code"):
        c = counts.get(rule.code, empty)
        out.append(RuleQuality(rule.code, rule.name, rule.get_detector_display(), rule.severity, rule.enabled, rule.pk,
                               c["alerts"], c["open"], c["confirmed"], c["dismissed"]))  # fmt: skip
    for detector, label in DETECTOR_LABELS.items():
        c = counts.get(detector, empty)
        out.append(RuleQuality(detector, str(label), str(label), "", True, None, c["alerts"], c["open"],
                               c["confirmed"], c["dismissed"]))  # fmt: skip
    return out


def detector_choices() -> list[tuple[str, str]]:
    """The rule codes and model names an alert can come from, for the queue's filter."""
    rules = [(r.code, r.name) for r in FraudRule.objects.order_by("code")]
    return rules + [(k, str(v)) for k, v in DETECTOR_LABELS.items()]
