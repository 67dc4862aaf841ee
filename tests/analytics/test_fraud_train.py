"""Analysts' verdicts train the supervised fraud model (FRAUD_TRAIN), and the daily run then scores every line with
it (detector "supervised"); too few verdicts train nothing."""

import datetime
import itertools

import pandas as pd
import pytest

from analytics.fraud.supervised import NotEnoughVerdicts, train
from analytics.models import FraudAlert, ModelVersion
from analytics.models.jobs import JobKind
from tests.customers.conftest import people, subscribe  # noqa: F401

from .fraud_fixtures import DAY
from .test_fraud_job import day_of_usage, fraud_rules, lines  # noqa: F401

pytestmark = pytest.mark.django_db
_n = itertools.count(1)


def _box(i: int) -> dict:
    return {"calls": 90.0 + 7 * i, "minutes": 60.0 + 3 * i, "distinct_numbers": 80.0 + 5 * i, "short_share": 0.1,
            "international_share": 0.0, "in_out_ratio": 0.01, "cells": 1.0, "data_mb": 0.0, "sms": 0.0}  # fmt: skip


def _ordinary(i: int) -> dict:
    return {"calls": 4.0 + i, "minutes": 8.0 + i, "distinct_numbers": 3.0 + i % 3, "short_share": 0.1,
            "international_share": 0.0, "in_out_ratio": 0.9, "cells": 2.0 + i % 2, "data_mb": 40.0,
            "sms": 2.0}  # fmt: skip


def _verdicts(customer, *, confirmed: int, dismissed: int) -> None:
    rows = [("confirmed", _box(i)) for i in range(confirmed)] + [("dismissed", _ordinary(i)) for i in range(dismissed)]
    for status, daily in rows:
        n = next(_n)
        day = DAY - datetime.timedelta(days=n)
        FraudAlert.objects.create(
            alert_no=f"FT{n:010d}", detector="sim-box", customer=customer, subject=f"1740000{n:04d}", day=day,
            severity="high", reason_code="SIM_BOX", status=status, evidence={"daily": daily},
            reviewed_at=datetime.datetime(2026, 11, 19, tzinfo=datetime.UTC),
        )  # fmt: skip


def test_training_on_a_frame_reports_cross_validated_quality():
    reviewed = pd.DataFrame(
        [("confirmed", _box(i)) for i in range(8)] + [("dismissed", _ordinary(i)) for i in range(8)]
        + [("dismissed", None)],  # an alert without aggregates (a customer alert) is no training row
        columns=["status", "daily"],
    )  # fmt: skip
    trained = train(reviewed)
    assert trained.metrics["n_train"] == 16 and trained.metrics["auc"] >= 0.9
    assert trained.params["class_weight"] == "balanced" and trained.params["threshold"] == 0.5
    with pytest.raises(NotEnoughVerdicts):
        train(reviewed.head(10))  # 8 confirmed, 2 dismissed


def test_verdicts_train_a_model_the_daily_run_then_uses(people, day_of_usage, fraud_rules, settings, tmp_path):  # noqa: F811
    from analytics.services.jobs import job_run_now

    settings.ANALYTICS_MODEL_DIR = tmp_path
    _verdicts(people["corp"], confirmed=8, dismissed=8)
    # when
    job = job_run_now(JobKind.FRAUD_TRAIN, as_of=DAY)
    # then: a fraud model version with its quality, in use as the first of its kind
    assert job.status == "done", job.error
    version = ModelVersion.objects.get(kind="fraud")
    assert job.result["trained"] is True and job.result["version"] == version.version
    assert version.algorithm == "HistGradientBoostingClassifier" and version.metrics["n_train"] == 16
    assert version.train_to == DAY - datetime.timedelta(days=1) and "calls" in version.features
    # when: the daily run
    daily = job_run_now(JobKind.FRAUD_DAILY, as_of=DAY)
    # then: the model flags the SIM box (as the rule does) and not the ordinary line
    assert daily.status == "done", daily.error
    flagged = FraudAlert.objects.filter(detector="supervised", day=DAY)
    assert "17490000001" in set(flagged.values_list("subject", flat=True))
    assert "18955500000" not in set(flagged.values_list("subject", flat=True))
    alert = flagged.get(subject="17490000001")
    assert alert.evidence["model_version"] == version.version and alert.evidence["probability"] >= 0.5
    assert daily.result["by_detector"]["supervised"] == flagged.count()


def test_too_few_verdicts_train_nothing_and_say_so(people, fraud_rules, settings, tmp_path):  # noqa: F811
    from analytics.services.jobs import job_run_now

    settings.ANALYTICS_MODEL_DIR = tmp_path
    _verdicts(people["corp"], confirmed=2, dismissed=9)
    job = job_run_now(JobKind.FRAUD_TRAIN, as_of=DAY)
    assert job.status == "done" and job.result["trained"] is False
    assert job.result["verdicts"] == {"dismissed": 9, "confirmed": 2}
    assert not ModelVersion.objects.filter(kind="fraud").exists()
