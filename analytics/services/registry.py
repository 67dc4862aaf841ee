"""The model registry: save a trained model as a file with its version row, load it by version, promote a version."""

from __future__ import annotations

import datetime
import functools
from pathlib import Path

import joblib
from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from analytics.models import ModelVersion
from crm.audit.services import audit_record


def _model_dir(kind: str) -> Path:
    path = Path(settings.ANALYTICS_MODEL_DIR) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
def model_version_save(
    *,
    kind: str,
    estimator: object,
    algorithm: str,
    train_from: datetime.date,
    train_to: datetime.date,
    features: list[str],
    params: dict | None = None,
    metrics: dict | None = None,
    job=None,
) -> ModelVersion:
    """Store a trained model as the kind's next version (a candidate until a manager promotes it)."""
    # Versions are numbered per kind; the lock on the kind's rows keeps two trainings from taking one number.
    list(ModelVersion.objects.select_for_update().filter(kind=kind).values_list("pk", flat=True))
    version = (ModelVersion.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0) + 1
    path = _model_dir(kind) / f"v{version}.joblib"
    joblib.dump(estimator, path, compress=3)
    first = not ModelVersion.objects.filter(kind=kind).exists()
    row = ModelVersion.objects.create(
        kind=kind,
        version=version,
        algorithm=algorithm,
        train_from=train_from,
        train_to=train_to,
        features=list(features),
        params=params or {},
        metrics=metrics or {},
        file=str(path.relative_to(settings.ANALYTICS_MODEL_DIR)),
        job=job,
        # The first model of a kind is used at once: there is nothing to compare it with yet.
        status=ModelVersion.Status.PROMOTED if first else ModelVersion.Status.CANDIDATE,
        promoted_at=timezone.now() if first else None,
    )
    return row


@functools.lru_cache(maxsize=16)
def _load(path: str, mtime: float) -> object:
    return joblib.load(path)


def model_version_load(version: ModelVersion) -> object:
    """The estimator of a version, loaded once per process (keyed by file and its modification time)."""
    path = Path(settings.ANALYTICS_MODEL_DIR) / version.file
    return _load(str(path), path.stat().st_mtime)


def model_version_in_use(kind: str) -> ModelVersion | None:
    """The promoted version of a kind, or else its newest candidate."""
    versions = ModelVersion.objects.filter(kind=kind).exclude(status=ModelVersion.Status.RETIRED)
    return versions.filter(status=ModelVersion.Status.PROMOTED).first() or versions.order_by("-version").first()


@transaction.atomic
def model_version_promote(*, version: ModelVersion, actor) -> ModelVersion:
    """Make a version the one scoring uses; the previous one is retired (audited)."""
    current = ModelVersion.objects.select_for_update().filter(kind=version.kind, status="promoted").first()
    if current is not None and current.pk == version.pk:
        return version
    if current is not None:
        current.status = ModelVersion.Status.RETIRED
        current.save(update_fields=["status"])
    version.status, version.promoted_at, version.promoted_by = ModelVersion.Status.PROMOTED, timezone.now(), actor
    version.save(update_fields=["status", "promoted_at", "promoted_by"])
    audit_record(
        actor=actor,
        action="update",
        obj=version,
        changes={"status": ["candidate", "promoted"]},
        detail=f"promoted {version}" + (f", retired v{current.version}" if current is not None else ""),
    )
    return version
