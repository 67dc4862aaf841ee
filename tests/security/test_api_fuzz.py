"""Property-based run of the whole OpenAPI schema (schemathesis): no 5xx and no answer the schema does not describe.

Every operation of the schema the app serves gets a bounded number of generated requests, sent in-process through
Django's WSGI handler with the bearer token of a real API client holding every scope, in three runs:

- ``positive``: data the schema allows; ``negative``: data it forbids (must be a 4xx);
- ``existing`` and ``existing-invalid``: for operations on one resource (``…/{id}``), valid and invalid data aimed
  at a row that exists (customers, the demo catalog, a ticket), so PATCH bodies reach the services instead of
  stopping at a 404.

Generation is derandomized (CI is repeatable) and bounded (``MAX_EXAMPLES`` per operation and run). Each example
runs in a savepoint that is rolled back, so a database error in one request cannot poison the next. Every test
records ``examples`` and ``server_errors`` as junit properties (``--junitxml``) for the README's figures.
"""

from __future__ import annotations

import traceback

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python.wsgi import get_client
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crm.api.services import api_token_create
from tests.customers.conftest import people, subscribe  # noqa: F401
from tests.orders.conftest import catalog  # noqa: F401

MAX_EXAMPLES = 8  # per operation and run
# Collections the ``existing`` run finds rows in (seeded by ``existing_rows``).
SEEDED = (
    "/tmf-api/customerManagement/",
    "/tmf-api/party/",
    "/tmf-api/accountManagement/",
    "/tmf-api/partyInteraction/",
    "/tmf-api/productCatalogManagement/",
    "/tmf-api/troubleTicket/",
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
RUNS = {
    "positive": schemathesis.GenerationMode.POSITIVE,
    "negative": schemathesis.GenerationMode.NEGATIVE,
    "existing": schemathesis.GenerationMode.POSITIVE,
    "existing-invalid": schemathesis.GenerationMode.NEGATIVE,
}

SCHEMA = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}


def _aims_at_a_row(path: str) -> bool:
    return path.endswith("/{id}") and path.startswith(SEEDED)


CASES = [
    (label, run)
    for label in sorted(OPERATIONS)
    for run in RUNS
    if not run.startswith("existing") or _aims_at_a_row(OPERATIONS[label].path)
]


@pytest.fixture
def wsgi_app():
    """Django's real WSGI handler, minus the connection recycling that would end the test's transaction."""
    app = get_wsgi_application()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield app
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def server_errors():
    """Tracebacks of the exceptions views raised (Django turns them into 500 answers)."""
    seen: list[str] = []

    def _record(sender, request=None, **kwargs):
        seen.append(traceback.format_exc())

    signals.got_request_exception.connect(_record)
    yield seen
    signals.got_request_exception.disconnect(_record)


@pytest.fixture
def auth_headers(db) -> dict[str, str]:
    _token, raw = api_token_create(client_name="fuzz", scopes=["all"])
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def existing_rows(people, catalog, wsgi_app, auth_headers):  # noqa: F811
    """Rows the ``existing`` run aims at; a trouble ticket is opened through the API itself."""
    customer = people["zhang"]
    body = {
        "description": "宽带断线",
        "ticketType": "fault",
        "relatedParty": [{"id": str(customer.pk), "role": "customer"}],
    }
    response = get_client(wsgi_app).post("/tmf-api/troubleTicket/v4/troubleTicket", json=body, headers=auth_headers)
    assert response.status_code == 201, response.get_data(as_text=True)


def _existing_id(app, headers: dict, operation) -> str:
    """The id of the first row the operation's collection lists."""
    collection = operation.path.removesuffix("/{id}")
    response = get_client(app).get(collection, query_string={"limit": 1}, headers=headers)
    assert response.status_code == 200, f"{collection}: {response.status_code}"
    rows = response.get_json()
    assert rows, f"nothing seeded in {collection}"
    return str(rows[0]["id"])


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "run"), CASES, ids=[f"{label}-{run}" for label, run in CASES])
def test_operation_answers_within_its_schema(
    label, run, request, wsgi_app, server_errors, auth_headers, record_property
):
    operation = OPERATIONS[label]
    path_parameters = None
    if run.startswith("existing"):
        request.getfixturevalue("existing_rows")
        path_parameters = {"id": _existing_id(wsgi_app, auth_headers, operation)}
    statuses: list[int] = []

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=RUNS[run], path_parameters=path_parameters))
    def send(case):
        with transaction.atomic():
            response = case.call(app=wsgi_app, headers=auth_headers)
            statuses.append(response.status_code)
            transaction.set_rollback(True)
        assert not server_errors, server_errors[-1]
        case.validate_response(response, checks=CHECKS, headers=auth_headers)

    try:
        send()
    finally:
        record_property("examples", len(statuses))
        record_property("server_errors", sum(status >= 500 for status in statuses))
    assert statuses, "no request was generated"
    assert all(status < 500 for status in statuses)
