"""The segmentation job (客户细分作业): prepare fits the scales (RFM, value, activity) and the behaviour clusters on a
sample and keeps them in a file named by the job; each chunk scores its customers against them and writes
``segment``, ``value_group``, ``activity_group`` and ``behaviour_segment`` in one UPDATE; finish records the cluster
profiles (``SegmentProfile``) and a summary."""

from __future__ import annotations

import functools
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection

from analytics.jobs import JobSpec, register
from analytics.models import AnalyticsJob, SegmentProfile
from analytics.models.jobs import JobKind
from analytics.sql import array, in_list, values_table

from .clusters import FEATURES, cluster_labels, cluster_profiles, fit_clusters
from .groups import activity_groups, usage_volume, value_groups
from .loader import LIVE, live_customer_sample, segment_frame
from .rfm import RfmReference, reference, rfm_segments

DEFAULT_SAMPLE = 20_000


def model_path(job: AnalyticsJob) -> Path:
    return Path(settings.ANALYTICS_MODEL_DIR) / "segments" / f"job-{job.pk}.joblib"


def fit_bundle(frame: pd.DataFrame, params: dict) -> dict:
    """Everything the chunks score against, fitted on a sample frame (pure: no database)."""
    features = list(FEATURES)
    fit_on = frame if len(frame) else pd.DataFrame([dict.fromkeys(features, 0.0)])
    k_range = tuple(params.get("k_range") or (3, 8))
    model = fit_clusters(
        fit_on, k_range=(int(k_range[0]), int(k_range[1])), sample_size=int(params.get("k_sample", 5000))
    )
    profiles = cluster_profiles(fit_on, model.predict(fit_on), model)
    return {
        "rfm": RfmReference.from_frame(frame),
        "arpu": reference(frame["arpu"]) if len(frame) else np.array([]),
        "volume": reference(usage_volume(frame, features)) if len(frame) else np.array([]),
        "clusters": model,
        "profiles": profiles,
        "names": cluster_labels(profiles),
    }


def assign(frame: pd.DataFrame, bundle: dict, params: dict) -> pd.DataFrame:
    """Segment, value group, activity group and behaviour label per customer (pure: no database)."""
    rfm = rfm_segments(frame, bundle["rfm"])
    model = bundle["clusters"]
    clusters = model.predict(frame)
    names = bundle["names"]
    return pd.DataFrame(
        {
            "segment": rfm["segment"],
            "value_group": value_groups(frame["arpu"], bundle["arpu"], params),
            "activity_group": activity_groups(
                usage_volume(frame, model.features), frame["active_months_3m"], bundle["volume"], params
            ),
            "behaviour_segment": pd.Series([names.get(int(c), "") for c in clusters], index=frame.index),
            "cluster": clusters,
        },
        index=frame.index,
    )


def prepare(job: AnalyticsJob) -> None:
    """Fit on a random sample of live customers and keep the fit in the job's file (refitted if a retry comes)."""
    size = int(job.params.get("sample_size") or DEFAULT_SAMPLE)
    frame = segment_frame(job.as_of, ids=live_customer_sample(size))
    bundle = fit_bundle(frame, job.params)
    path = model_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(bundle, path, compress=3)
    job.result.update(
        {
            "model_file": str(path.relative_to(settings.ANALYTICS_MODEL_DIR)),
            "sample": len(frame),
            "k": bundle["clusters"].k,
            "silhouettes": {str(k): v for k, v in bundle["clusters"].silhouettes.items()},
        }
    )


@functools.lru_cache(maxsize=4)
def _bundle(path: str, mtime: float) -> dict:
    return joblib.load(path)


def load_bundle(job: AnalyticsJob) -> dict:
    path = model_path(job)
    return _bundle(str(path), path.stat().st_mtime)


def run_chunk(job: AnalyticsJob, lo: int, hi: int) -> int:
    """Score the live customers of ``[lo, hi)`` and write their four columns (an UPDATE: a retry rewrites them).

    Only the customers whose columns change are written: from one day to the next most keep their segments, and
    every row written is a new row version through each of the table's indexes."""
    frame = segment_frame(job.as_of, lo=lo, hi=hi)
    if frame.empty:
        return 0
    out = assign(frame, load_bundle(job), job.params)
    values, params = values_table(
        {
            "id": ("bigint", [int(i) for i in out.index]),
            "segment": ("text", out["segment"].tolist()),
            "value_group": ("text", out["value_group"].tolist()),
            "activity_group": ("text", out["activity_group"].tolist()),
            "behaviour": ("text", [label[:120] for label in out["behaviour_segment"]]),
        }
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE customers_customer AS c
               SET segment = v.segment, value_group = v.value_group, activity_group = v.activity_group,
                   behaviour_segment = v.behaviour
              FROM {values}
             WHERE c.id = v.id
               AND (c.segment, c.value_group, c.activity_group, c.behaviour_segment)
                   IS DISTINCT FROM (v.segment, v.value_group, v.activity_group, v.behaviour)
            """,  # noqa: S608 - analytics.sql's FROM item; every value is a parameter
            params,
        )
    return len(out)


def _counts(column: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column}, count(*) FROM customers_customer WHERE {in_list('status')} GROUP BY 1",  # noqa: S608
            [array(LIVE)],
        )
        return {key or "": n for key, n in cursor.fetchall()}


def finish(job: AnalyticsJob) -> dict:
    """Replace the job's cluster profiles (sizes counted over every live customer) and summarise the run."""
    bundle = load_bundle(job)
    sizes = _counts("behaviour_segment")
    names = bundle["names"]
    SegmentProfile.objects.filter(job=job).delete()
    SegmentProfile.objects.bulk_create(
        SegmentProfile(
            job=job,
            cluster=p["cluster"],
            label=names[p["cluster"]][:120],
            size=sizes.get(names[p["cluster"]][:120], 0),
            profile={"features": p["profile"], "sample_size": p["size"]},
        )
        for p in bundle["profiles"]
    )
    return {
        "segments": _counts("segment"),
        "value_groups": _counts("value_group"),
        "activity_groups": _counts("activity_group"),
        "clusters": {names[p["cluster"]]: sizes.get(names[p["cluster"]][:120], 0) for p in bundle["profiles"]},
    }


SPEC = register(JobSpec(kind=JobKind.SEGMENTATION, prepare=prepare, run_chunk=run_chunk, finish=finish))
