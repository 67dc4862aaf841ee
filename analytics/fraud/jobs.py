"""Fraud job kinds: the daily run (rules, anomaly model, supervised model; chunked by customer id) and the training
of the supervised model on analysts' verdicts (one step)."""

from __future__ import annotations

import datetime

import pandas as pd
from django.db.models import Count

from ..jobs import JobSpec, register
from ..models import AnalyticsJob, FraudAlert, ModelVersion
from ..models.jobs import JobKind
from ..models.registry import ModelKind
from .anomaly import ANOMALY_DEFAULTS, DAILY_FEATURES
from .loader import Scope
from .run import ANOMALY, SUPERVISED, RuleSpec, Supervised, enabled_rules, scan_day
from .supervised import NotEnoughVerdicts, train
from .writer import Replace, alerts_write

# --- daily run ----------------------------------------------------------------------------------------------------


def fraud_daily_prepare(job: AnalyticsJob) -> None:
    """Fix the rules and the model the chunks use, so every chunk of one run applies the same ones (the rules are
    kept under a private key: the jobs page shows the result, not this copy)."""
    from ..services.registry import model_version_in_use

    job.result["_rules"] = [r.as_dict() for r in enabled_rules()]
    version = model_version_in_use(ModelKind.FRAUD)
    job.result["model_version"] = version.pk if version is not None else None


def _rules(job: AnalyticsJob) -> list[RuleSpec]:
    if "_rules" not in job.result:  # run without prepare (a resumed job of an older version): today's rules
        return enabled_rules()
    return [RuleSpec(**r) for r in job.result["_rules"]]


def _supervised(job: AnalyticsJob) -> Supervised | None:
    from ..services.registry import model_version_load

    version_id = job.result.get("model_version")
    if not version_id or job.params.get("supervised") is False:
        return None
    version = ModelVersion.objects.filter(pk=version_id).first()
    if version is None:
        return None
    threshold = float(version.params.get("threshold", 0.5))
    return Supervised(estimator=model_version_load(version), threshold=threshold, version=version.version)


def fraud_daily_run_chunk(job: AnalyticsJob, lo: int, hi: int) -> int:
    """Scan the customers ``lo <= id < hi`` for ``job.as_of``; replaces the open alerts an earlier try left."""
    rules = _rules(job)
    anomaly = None if job.params.get("anomaly") is False else {**ANOMALY_DEFAULTS, **job.params.get("anomaly", {})}
    supervised = _supervised(job)
    hits = scan_day(job.as_of, Scope(lo=lo, hi=hi), rules=rules, anomaly=anomaly, supervised=supervised)
    detectors = [r.code for r in rules] + ([ANOMALY] if anomaly is not None else [])
    detectors += [SUPERVISED] if supervised is not None else []
    return alerts_write(day=job.as_of, hits=hits, replace=Replace(lo=lo, hi=hi, detectors=tuple(detectors)), job=job)


def fraud_daily_finish(job: AnalyticsJob) -> dict:
    counts = FraudAlert.objects.filter(day=job.as_of).values("detector").annotate(n=Count("id")).order_by("detector")
    by_detector = {row["detector"]: row["n"] for row in counts}
    return {"alerts": sum(by_detector.values()), "by_detector": by_detector}


register(
    JobSpec(
        kind=JobKind.FRAUD_DAILY,
        prepare=fraud_daily_prepare,
        run_chunk=fraud_daily_run_chunk,
        finish=fraud_daily_finish,
    )
)


# --- supervised training ------------------------------------------------------------------------------------------


def reviewed_alerts(until: datetime.date) -> pd.DataFrame:
    """Confirmed and dismissed alerts up to ``until`` with the daily aggregates of their evidence."""
    rows = FraudAlert.objects.filter(
        status__in=[FraudAlert.Status.CONFIRMED, FraudAlert.Status.DISMISSED], day__lte=until
    ).values_list("day", "status", "evidence__daily")
    return pd.DataFrame.from_records(list(rows), columns=["day", "status", "daily"])


def fraud_train_run(job: AnalyticsJob, lo: int, hi: int) -> int:
    """Train the supervised model on the verdicts so far and save it as the next fraud model version."""
    from ..services.registry import model_version_save

    reviewed = reviewed_alerts(job.as_of)
    try:
        trained = train(reviewed, threshold=float(job.params.get("threshold", 0.5)))
    except NotEnoughVerdicts:
        return 0
    days = reviewed["day"]
    model_version_save(
        kind=ModelKind.FRAUD,
        estimator=trained.estimator,
        algorithm="HistGradientBoostingClassifier",
        train_from=min(days),
        train_to=max(days),
        features=DAILY_FEATURES,
        params=trained.params,
        metrics=trained.metrics,
        job=job,
    )
    return int(trained.metrics["n_train"])


def fraud_train_finish(job: AnalyticsJob) -> dict:
    version = ModelVersion.objects.filter(job=job, kind=ModelKind.FRAUD).first()
    if version is None:
        verdicts = reviewed_alerts(job.as_of)["status"].value_counts().to_dict()
        return {"trained": False, "reason": "not enough verdicts", "verdicts": {k: int(v) for k, v in verdicts.items()}}
    return {"trained": True, "model_version": version.pk, "version": version.version, "metrics": version.metrics}


register(JobSpec(kind=JobKind.FRAUD_TRAIN, run_chunk=fraud_train_run, finish=fraud_train_finish, chunked=False))
