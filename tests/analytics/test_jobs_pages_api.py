"""The jobs page, the model registry (files, versions, promotion) and the jobs API."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from rest_framework.test import APIClient
from sklearn.linear_model import LogisticRegression

from analytics.models import AnalyticsJob, ModelVersion
from analytics.services import registry
from crm.accounts.roles import Role
from crm.api.services import api_token_create
from crm.audit.models import AuditEntry

from . import toy_jobs

AS_OF = datetime.date(2026, 10, 31)
JOBS_API = "/tmf-api/analytics/v1/job"


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _api(*scopes: str) -> APIClient:
    _token, raw = api_token_create(client_name=f"analytics-{'-'.join(scopes)}", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def _version(kind: str = "churn", coef: float = 1.0) -> ModelVersion:
    model = LogisticRegression().fit([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    model.coef_[0][0] = coef
    return registry.model_version_save(
        kind=kind,
        estimator=model,
        algorithm="logistic",
        train_from=datetime.date(2025, 1, 1),
        train_to=datetime.date(2025, 12, 31),
        features=["x"],
        metrics={"auc": 0.8, "lift_top_decile": 3.1},
    )


@pytest.mark.django_db
def test_versions_are_numbered_per_kind_and_the_first_is_used_at_once():
    first, second, other = _version(coef=1.0), _version(coef=2.0), _version(kind="credit")

    assert (first.version, second.version, other.version) == (1, 2, 1)
    assert first.status == "promoted" and second.status == "candidate"
    assert registry.model_version_in_use("churn") == first
    assert registry.model_version_load(second).coef_[0][0] == 2.0  # the file round-trips


@pytest.mark.django_db
def test_promoting_retires_the_previous_version_and_is_audited(make_staff):
    first, second = _version(), _version(coef=3.0)
    manager = make_staff(Role.MANAGER)

    registry.model_version_promote(version=second, actor=manager)

    first.refresh_from_db()
    assert first.status == "retired"
    assert registry.model_version_in_use("churn") == second
    assert AuditEntry.objects.filter(object_type="analytics.modelversion", object_id=str(second.pk)).exists()


@pytest.mark.django_db
def test_only_managers_may_promote_from_the_registry_page(make_staff):
    _version()
    second = _version(coef=3.0)
    analyst = _client(make_staff(Role.MARKETING_ANALYST))

    page = analyst.get("/analytics/jobs/models/")
    assert page.status_code == 200 and b"v2" in page.content and b"promote-churn-2" not in page.content
    assert analyst.post(f"/analytics/jobs/models/{second.pk}/promote/").status_code == 403

    manager = _client(make_staff(Role.MANAGER))
    assert b"promote-churn-2" in manager.get("/analytics/jobs/models/?kind=churn").content
    response = manager.post(f"/analytics/jobs/models/{second.pk}/promote/")
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == "promoted"


@pytest.mark.django_db
def test_the_jobs_page_starts_a_job_and_shows_its_progress(make_staff, hefei):
    analyst = _client(make_staff(Role.MARKETING_ANALYST))

    response = analyst.post("/analytics/jobs/", {"kind": "features", "as_of": "2999-01-01"})
    assert response.status_code == 200 and b"cannot be in the future" in response.content
    assert not AnalyticsJob.objects.exists()

    job = AnalyticsJob.objects.create(kind=toy_jobs.TOY, run_key="toy:x", as_of=AS_OF, status="running", chunks_total=4,
                                      chunks_done=1)  # fmt: skip
    listing = analyst.get("/analytics/jobs/")
    assert listing.status_code == 200 and b'hx-trigger="every 3s"' in listing.content  # polls while a job runs
    detail = analyst.get(f"/analytics/jobs/{job.pk}/")
    assert detail.status_code == 200 and b"1 of 4 chunks" in detail.content


@pytest.mark.django_db
def test_clerks_do_not_see_the_jobs_page(make_staff):
    assert _client(make_staff(Role.HALL_CLERK)).get("/analytics/jobs/").status_code == 403


@pytest.mark.django_db
def test_the_jobs_api_lists_reads_and_starts_jobs_with_scopes(django_assert_max_num_queries):
    for day in (1, 2, 3):
        AnalyticsJob.objects.create(kind="features", run_key=f"features:2026-10-0{day}", as_of=AS_OF, status="done")
    reader = _api("analytics:read")

    with django_assert_max_num_queries(8):
        listing = reader.get(JOBS_API, {"limit": 2})
    assert listing.status_code == 200 and len(listing.json()) == 2
    assert listing["X-Total-Count"] == "3"
    first = listing.json()[0]
    assert first["@type"] == "AnalyticsJob" and first["progress"]["percent"] == 100
    assert reader.get(f"{JOBS_API}/{first['id']}").json()["runKey"] == first["runKey"]

    assert reader.post(JOBS_API, {"kind": "features", "asOf": "2026-11-30"}, format="json").status_code == 403
    writer = _api("analytics:read", "analytics:write")
    bad = writer.post(JOBS_API, {"kind": "nonsense", "asOf": "2026-11-30"}, format="json")
    assert bad.status_code == 400 and "kind" in str(bad.json())
    assert AnalyticsJob.objects.count() == 3


@pytest.mark.django_db
def test_the_model_registry_api_shows_quality():
    _version()
    rows = _api("analytics:read").get("/tmf-api/analytics/v1/modelVersion", {"kind": "churn"}).json()
    assert [(r["version"], r["status"], r["metrics"]["auc"]) for r in rows] == [(1, "promoted", 0.8)]
