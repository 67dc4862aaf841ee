"""Churn training and scoring jobs on PostgreSQL with a small constructed history."""

from __future__ import annotations

import datetime

import pytest

from analytics.churn import jobs as churn_jobs
from analytics.models import AnalyticsJob, ChurnScore, ModelVersion
from analytics.models.jobs import JobKind
from customers.models import Customer

AS_OF = datetime.date(2026, 11, 30)
SMALL = {"min_rows": 40, "min_positives": 8}


def _spread(first: datetime.date, last: datetime.date, n: int) -> list[datetime.date]:
    step = (last - first) / max(n - 1, 1)
    return [first + step * i for i in range(n)]


@pytest.fixture
def model_dir(settings, tmp_path):
    settings.ANALYTICS_MODEL_DIR = tmp_path
    return tmp_path


@pytest.fixture
def history(customer_history, model_dir):
    # Training window (2026-07-18, 2026-09-16], out-of-time test window (2026-10-01, 2026-11-30] for AS_OF
    train_window, test_window = churn_jobs.windows(AS_OF, churn_jobs.job_params(AnalyticsJob(params={})))
    dates = _spread(train_window.outcome_start + datetime.timedelta(days=2), train_window.outcome_end, 24)
    dates += _spread(test_window.outcome_start + datetime.timedelta(days=2), test_window.outcome_end, 24)
    return customer_history(n=200, churn_dates=dates, seed=3)


def test_windows_put_the_test_after_the_training_labels():
    train, test = churn_jobs.windows(AS_OF, churn_jobs.DEFAULTS)
    assert test.outcome_end == AS_OF
    assert train.outcome_end == test.cutoff  # every training label was known at the test's cut-off
    assert (test.cutoff, train.cutoff) == (datetime.date(2026, 9, 16), datetime.date(2026, 7, 3))


def test_training_saves_a_calibrated_model_with_out_of_time_quality_then_scoring_writes_every_active_customer(
    history,
):
    from analytics.services.jobs import job_run_now

    job = job_run_now(JobKind.CHURN_TRAIN, as_of=AS_OF, params=SMALL)
    assert job.status == "done", job.error
    version = ModelVersion.objects.get(kind="churn", job=job)
    assert version.status == "promoted"  # the first model of its kind is used at once
    m = version.metrics
    assert m["auc"] > 0.7 and m["baseline"]["auc"] > 0.6
    assert m["n_train"] > m["n_test"] > 100 and m["lift_top_decile"] > 1
    assert m["calibration"] and m["test_cutoff"] == "2026-09-16"
    assert version.train_to == datetime.date(2026, 9, 16) and version.train_from == datetime.date(2026, 1, 3)
    assert "usage_trend_3m" in version.features
    assert job.result["model_version"] == version.version

    score = job_run_now(JobKind.CHURN_SCORE, as_of=AS_OF, params={"chunk_size": 80})
    assert score.status == "done", score.error
    active = Customer.objects.filter(status="active", pk__in=[c.pk for c in history.customers])
    scores = ChurnScore.objects.filter(as_of=AS_OF, model=version)
    assert scores.count() == active.count() == 200 - 48
    assert score.result["scored"] == scores.count()
    assert set(scores.values_list("band", flat=True)) <= {"high", "medium", "low"}
    assert not active.filter(churn_risk__isnull=True).exists()
    # Stayers who dipped look riskier than the rest; reasons are readable texts on the customer
    top = active.order_by("-churn_risk").first()
    assert 1 <= len(top.churn_reasons) <= 3 and all(isinstance(t, str) and t for t in top.churn_reasons)
    row = scores.get(customer=top)
    assert row.reasons[0]["feature"] and row.reasons[0]["contribution"] > 0
    assert row.region_id == top.region_id
    # reasons are given to the customers at risk (medium and high bands); a low risk has none to act on
    assert scores.filter(band="low").exists() and not scores.filter(band="low").exclude(reasons=[]).exists()
    risky = scores.exclude(band="low")
    assert risky.exists() and sum(1 for r in risky.values_list("reasons", flat=True) if r) >= risky.count() * 0.8

    # A chunk that runs again replaces its rows
    before = scores.count()
    chunk = score.chunks.order_by("seq").first()
    churn_jobs.score_run(score, chunk.lo, chunk.hi)
    assert scores.count() == before
    assert score.result["band_high"] == pytest.approx(5 * m["train_positive_rate"], abs=1e-4)

    # A past cut-off scores who held a line then, including customers who have left since, for judging the model
    # against what happened; their record does not get a risk, and the work list shows active customers only.
    past = datetime.date(2026, 9, 16)
    job_run_now(JobKind.CHURN_SCORE, as_of=past)
    left_since = [cid for cid, day in history.churned_on.items() if day > past]
    assert ChurnScore.objects.filter(as_of=past, customer_id__in=left_since).count() == len(left_since) == 24
    assert not Customer.objects.filter(pk__in=left_since, churn_risk__isnull=False).exists()
    from analytics.churn.selectors import churn_scores_visible_to

    listed = churn_scores_visible_to(history.owner, latest_only=False).filter(as_of=past)  # a Hefei call agent
    assert listed.exists() and not listed.filter(customer_id__in=left_since).exists()


def test_band_thresholds_follow_the_models_churn_rate_unless_given():
    params = churn_jobs.DEFAULTS
    assert churn_jobs.band_thresholds(params, {"train_positive_rate": 0.02}) == (0.1, 0.04)
    assert churn_jobs.band_thresholds({**params, "band_high": 0.3, "band_medium": 0.1}, {}) == (0.3, 0.1)
    assert churn_jobs.band_thresholds(params, {}) == (0.15, 0.06)  # no rate recorded: 3 %


def test_too_little_history_fails_the_job_with_a_readable_error(customer_history, model_dir):
    from analytics.services.jobs import job_run_now

    customer_history(n=20, churn_dates=[datetime.date(2026, 6, 1)])
    with pytest.raises(churn_jobs.ChurnJobError):
        job_run_now(JobKind.CHURN_TRAIN, as_of=AS_OF, params=SMALL)
    job = AnalyticsJob.objects.get(kind=JobKind.CHURN_TRAIN)
    assert job.status == "failed"
    assert "Not enough history for training" in job.error and "gap_days" in job.error
    assert not ModelVersion.objects.filter(kind="churn").exists()


def test_scoring_without_a_model_fails_clearly(customer_history, model_dir):
    from analytics.services.jobs import job_run_now

    customer_history(n=3)
    with pytest.raises(churn_jobs.ChurnJobError):
        job_run_now(JobKind.CHURN_SCORE, as_of=AS_OF)
    assert "run a churn training job first" in AnalyticsJob.objects.get(kind=JobKind.CHURN_SCORE).error
