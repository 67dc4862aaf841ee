"""Builders for the fraud tests: usage frames for the pure functions, and usage rows in the partitioned table."""

from __future__ import annotations

import datetime
import itertools

import pandas as pd
from django.utils import timezone

from analytics.fraud.loader import usage_dtypes

DAY = datetime.date(2026, 11, 20)
_keys = itertools.count(1)


def at(hour: int, minute: int = 0, second: int = 0, *, day: datetime.date = DAY) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute, second)))


def call(product_id, when, *, to="13300000000", seconds=60, outgoing=True, cell="0551-0001", kind="voice",
         customer_id=None, number=None, kb=0, charge=0.5) -> dict:  # fmt: skip
    """One usage record as the loader's frame has it."""
    return {
        "product_id": product_id,
        "customer_id": customer_id if customer_id is not None else product_id,
        "service_number": number or f"1890000{product_id:04d}",
        "started_s": int(when.timestamp()),
        "usage_type": kind,
        "outgoing": outgoing,
        "other_number": to,
        "duration_s": seconds,
        "volume_kb": kb,
        "cell_id": cell,
        "charge": charge,
    }


def frame(records: list[dict]) -> pd.DataFrame:
    return usage_dtypes(pd.DataFrame.from_records(records))


def sim_box_day(product_id: int, *, calls: int = 120, distinct: int = 100, incoming: int = 2, day=DAY) -> list[dict]:
    """A SIM box's day: many outgoing calls to many numbers from one cell, nearly nothing incoming."""
    records = [
        call(product_id, at(0, day=day) + datetime.timedelta(minutes=5 * i), to=f"1770000{i % distinct:04d}",
             seconds=40)
        for i in range(calls)
    ]  # fmt: skip
    records += [call(product_id, at(12, 30, day=day), outgoing=False, to="13911112222", seconds=30)] * incoming
    return records


def normal_day(product_id: int, *, calls: int = 8, day=DAY, cells=("0551-0001", "0551-0002")) -> list[dict]:
    """An ordinary subscriber: a few calls each way, two cells, some data."""
    records = []
    for i in range(calls):
        records.append(call(product_id, at(8 + i, 10, day=day), to=f"1390000{i % 5:04d}", seconds=90 + 10 * i,
                            cell=cells[i % len(cells)]))  # fmt: skip
        records.append(call(product_id, at(8 + i, 40, day=day), to=f"1390000{i % 5:04d}", seconds=60, outgoing=False,
                            cell=cells[i % len(cells)]))  # fmt: skip
    records.append(call(product_id, at(20, day=day), kind="data", to="", seconds=0, kb=50_000))
    return records


def usage_rows_create(records: list[dict], *, products: dict, batch_id=None) -> int:
    """Insert frame-style records as UsageRecord rows (partitions made first) and recompute their days' sums, as the
    feed keeps them; ``products`` maps id -> Product."""
    from billing_sync.models import UsageRecord
    from billing_sync.services.partitions import usage_partitions_ensure
    from billing_sync.services.usage_daily import usage_daily_rebuild

    rows = []
    for r in records:
        product = products[r["product_id"]]
        started = datetime.datetime.fromtimestamp(r["started_s"], tz=datetime.UTC)
        rows.append(
            UsageRecord(
                record_key=f"T{next(_keys)}", started_at=started, account_id=product.billing_account_id or 0,
                customer_id=product.customer_id, product_id=product.pk, service_number=product.service_number,
                usage_type=r["usage_type"], outgoing=r["outgoing"], other_number=r["other_number"],
                duration_s=r["duration_s"], volume_kb=r["volume_kb"], cell_id=r["cell_id"], charge=r["charge"],
                batch_id=batch_id,
            )
        )  # fmt: skip
    days = {timezone.localtime(row.started_at).date() for row in rows}
    usage_partitions_ensure(days)
    UsageRecord.objects.bulk_create(rows, batch_size=2000)
    if days:
        usage_daily_rebuild(start=min(days), end=max(days) + datetime.timedelta(days=1))
    return len(rows)
