"""Analytics rows written with one COPY: the same rows the ORM would have written, NULLs and empty texts included."""

from __future__ import annotations

import datetime
import math

import numpy as np
import pandas as pd
import pytest

from analytics.bulk import frame_insert
from analytics.features.build import build_features
from analytics.features.catalog import FEATURE_NAMES
from analytics.features.competitor import competitor_calls
from analytics.features.loader import load_frames
from analytics.features.store import features_replace
from analytics.models import ChurnScore, CustomerFeatures, ModelVersion

AS_OF = datetime.date(2026, 9, 30)


def _same(stored, expected) -> bool:
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return stored is None
    if isinstance(expected, float):
        return stored == pytest.approx(expected, rel=0, abs=0)
    return stored == expected


def test_the_feature_store_holds_exactly_what_the_builder_computed(customer_history):
    # given customers with usage and complaints, one of whom left before the cut-off
    history = customer_history(n=12, churn_dates=[datetime.date(2026, 8, 15)])
    lo, hi = history.customers[0].pk, history.customers[-1].pk + 1
    expected = build_features(load_frames(AS_OF, lo, hi), competitor=competitor_calls(AS_OF, lo, hi))

    # when the store replaces the range (through COPY)
    assert features_replace(as_of=AS_OF, lo=lo, hi=hi) == len(expected) == 11

    # then every column of every row is the builder's value, NaN stored as NULL
    stored = {f.customer_id: f for f in CustomerFeatures.objects.filter(as_of=AS_OF)}
    assert set(stored) == set(expected["customer_id"])
    for record in expected.to_dict("records"):
        row = stored[int(record["customer_id"])]
        for name in FEATURE_NAMES:
            value = record[name]
            value = None if value is pd.NA else value
            value = float(value) if isinstance(value, np.floating | np.integer) and name != "region_id" else value
            assert _same(getattr(row, name), value), (name, getattr(row, name), value)
    assert all(row.months_to_contract_end is None for row in stored.values())  # public customers: no contract
    assert all(row.created_at is not None and row.job_id is None for row in stored.values())


@pytest.mark.django_db
def test_copy_writes_nulls_empty_texts_json_and_foreign_keys(customer_history):
    history = customer_history(n=2)
    a, b = history.customers
    version = ModelVersion.objects.create(
        kind="churn", version=1, algorithm="x", train_from=AS_OF, train_to=AS_OF, file="x.joblib"
    )
    rows = pd.DataFrame(
        {
            "as_of": AS_OF,
            "customer_id": [a.pk, b.pk],
            "model_id": version.pk,
            "probability": [0.25, 0.0],
            "band": ["medium", ""],
            "reasons": [[{"feature": "complaints_open", "value": 2.0, "text": "2 个投诉未解决"}], []],
            "region_id": pd.array([a.region_id, None], dtype="Int64"),
        }
    )
    assert frame_insert(ChurnScore, rows) == 2

    first, second = ChurnScore.objects.filter(as_of=AS_OF).order_by("customer_id")
    assert (first.customer_id, first.model_id, first.probability, first.band) == (a.pk, version.pk, 0.25, "medium")
    assert first.reasons == [{"feature": "complaints_open", "value": 2.0, "text": "2 个投诉未解决"}]
    assert first.region_id == a.region_id and second.region_id is None and second.reasons == []
    assert second.band == ""  # an empty text stays empty, not NULL
