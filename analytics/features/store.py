"""Writing and reading the feature store (``CustomerFeatures``) in bulk: one id range at a time."""

from __future__ import annotations

import datetime

import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from analytics.bulk import frame_insert
from analytics.models import CustomerFeatures

from .build import build_features
from .catalog import CATEGORICAL, FEATURE_NAMES
from .competitor import competitor_calls
from .loader import load_frames


@transaction.atomic
def features_replace(*, as_of: datetime.date, lo: int, hi: int, job=None) -> int:
    """Build the features of customers ``lo <= id < hi`` at ``as_of`` and replace what the store had for them."""
    built = build_features(load_frames(as_of, lo, hi), competitor=competitor_calls(as_of, lo, hi))
    CustomerFeatures.objects.filter(as_of=as_of, customer_id__gte=lo, customer_id__lt=hi).delete()
    rows = built[["customer_id", *FEATURE_NAMES]].assign(as_of=as_of, job_id=job.pk if job else None)
    rows["created_at"] = timezone.now()
    return frame_insert(CustomerFeatures, rows)


def features_exist(as_of: datetime.date) -> bool:
    return CustomerFeatures.objects.filter(as_of=as_of).exists()


def features_frame(as_of: datetime.date, lo: int | None = None, hi: int | None = None) -> pd.DataFrame:
    """The stored features at ``as_of`` (optionally of one id range): numbers as float32, categories as category."""
    where, params = ["as_of = %s"], [as_of]
    if lo is not None:
        where.append("customer_id >= %s")
        params.append(lo)
    if hi is not None:
        where.append("customer_id < %s")
        params.append(hi)
    columns = ["customer_id", *FEATURE_NAMES]
    sql = (
        f"SELECT {', '.join(columns)} FROM {CustomerFeatures._meta.db_table} "  # noqa: S608 - model's own columns
        f"WHERE {' AND '.join(where)} ORDER BY customer_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        frame = pd.DataFrame.from_records(cursor.fetchall(), columns=columns)
    frame["customer_id"] = frame["customer_id"].astype("int64")
    for name in FEATURE_NAMES:
        if name in CATEGORICAL:
            frame[name] = frame[name].astype("string").fillna("").astype("category")
        else:
            frame[name] = pd.to_numeric(frame[name]).astype("float32")
    return frame
