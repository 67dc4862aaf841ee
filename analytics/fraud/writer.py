"""Writing the fraud run's hits as FraudAlert rows, in bulk, once per (detector, subject, day).

Alert numbers are ``FA`` + the day + the row's id, reserved from the table's sequence before the insert, so a bulk
insert that skips conflicting rows never needs the ids back."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..models import FraudAlert
from ..sql import reserve_ids
from .loader import customer_regions

WRITE_COLUMNS = ["detector", "rule_id", "severity", "reason_code", "subject", "customer_id", "product_id", "score",
                 "evidence"]  # fmt: skip
BATCH = 2000
# A line that keeps behaving the same raises no new alert for this many days after an earlier one of the detector:
# open, the analyst has it already; confirmed, it is handled; dismissed, the analyst said why it is not fraud.
REPEAT_QUIET_DAYS = 30


@dataclass(frozen=True)
class Replace:
    """What this write replaces: the open alerts of these detectors on the day for customers ``lo <= id < hi``.

    A rerun of a chunk (a retry, or after the rules changed) leaves exactly what it finds now: open alerts it no
    longer raises go, reviewed alerts stay as the analyst left them."""

    lo: int
    hi: int
    detectors: tuple[str, ...]


def plain(value):
    """Evidence as JSON-ready Python values (numpy scalars and arrays become numbers and lists)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _not_repeated(new: list[FraudAlert], *, day: datetime.date) -> list[FraudAlert]:
    """Drop new alerts whose detector already raised one on the subject in the REPEAT_QUIET_DAYS before."""
    earlier = set(
        FraudAlert.objects.filter(
            day__lt=day,
            day__gte=day - datetime.timedelta(days=REPEAT_QUIET_DAYS),
            detector__in={a.detector for a in new},
            subject__in={a.subject for a in new},
        ).values_list("detector", "subject")
    )
    return [a for a in new if (a.detector, a.subject) not in earlier]


def alert_number(day: datetime.date, pk: int) -> str:
    return f"FA{day:%Y%m%d}{pk:010d}"


def alerts_write(*, day: datetime.date, hits: pd.DataFrame, replace: Replace | None = None, job=None) -> int:
    """Store the hits as alerts of ``day``: new ones inserted (unless the detector alerted on the subject in the
    REPEAT_QUIET_DAYS before), open ones refreshed; returns how many were written."""
    hits = hits[WRITE_COLUMNS] if not hits.empty else pd.DataFrame(columns=WRITE_COLUMNS)
    hits = hits.drop_duplicates(subset=["detector", "subject"], keep="first")
    existing_qs = FraudAlert.objects.filter(day=day)
    if replace is not None:
        existing_qs = existing_qs.filter(
            detector__in=replace.detectors, customer_id__gte=replace.lo, customer_id__lt=replace.hi
        )
    else:
        if hits.empty:
            return 0
        existing_qs = existing_qs.filter(detector__in=set(hits["detector"]), subject__in=set(hits["subject"]))
    existing = {(a.detector, a.subject): a for a in existing_qs.only("id", "detector", "subject", "status")}
    regions = customer_regions(hits["customer_id"]) if not hits.empty else {}
    new, refreshed, seen = [], [], set()
    for row in hits.itertuples(index=False):
        key = (row.detector, row.subject)
        seen.add(key)
        values = {
            "rule_id": None if pd.isna(row.rule_id) else int(row.rule_id),
            "severity": row.severity,
            "reason_code": row.reason_code,
            "score": float(row.score),
            "evidence": plain(row.evidence),
            "product_id": None if row.product_id is None or pd.isna(row.product_id) else int(row.product_id),
        }
        alert = existing.get(key)
        if alert is None:
            new.append(FraudAlert(detector=row.detector, subject=str(row.subject)[:32], day=day,
                                  customer_id=int(row.customer_id), region_id=regions.get(int(row.customer_id)),
                                  job=job, **values))  # fmt: skip
        elif alert.status == FraudAlert.Status.OPEN:
            for name, value in values.items():
                setattr(alert, name, value)
            refreshed.append(alert)
    if new:
        new = _not_repeated(new, day=day)
    if new:
        for alert, pk in zip(new, reserve_ids(FraudAlert._meta.db_table, len(new)), strict=True):
            alert.pk, alert.alert_no = pk, alert_number(day, pk)
        FraudAlert.objects.bulk_create(new, batch_size=BATCH, ignore_conflicts=True)
    if refreshed:
        FraudAlert.objects.bulk_update(
            refreshed, ["rule_id", "severity", "reason_code", "score", "evidence", "product_id"], batch_size=BATCH
        )
    if replace is not None:
        gone = [a.pk for key, a in existing.items() if key not in seen and a.status == FraudAlert.Status.OPEN]
        if gone:
            FraudAlert.objects.filter(pk__in=gone).delete()
    return len(new) + len(refreshed)
