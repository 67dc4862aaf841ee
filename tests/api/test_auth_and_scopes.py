"""Scoped bearer tokens, stored hashed; staff sessions get their role's scopes; the management command."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from crm.accounts.roles import Role
from crm.api.models import ApiClient, ApiToken
from crm.api.services import api_token_create, api_token_revoke
from crm.audit.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.api.urls")]
URL = "/tmf-api/testOrganisation/v4/orgUnit"


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_token_without_customer_read_gets_403_with_tmf_body(token_for, units):
    response = bearer(token_for("billing:feed")).get(URL)
    assert response.status_code == 403
    body = response.json()
    assert body["@type"] == "Error" and body["status"] == "403" and "customer:read" in body["message"]


def test_read_scope_does_not_allow_writes(token_for):
    response = bearer(token_for("customer:read")).post(
        URL, {"code": "X", "name": "x", "kind": "own_hall"}, format="json"
    )
    assert response.status_code == 403 and "customer:write" in response.json()["message"]


def test_all_grants_every_scope(token_for, units):
    assert bearer(token_for("all")).get(URL).status_code == 200


def test_no_credentials_is_401_with_bearer_challenge(units):
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["@type"] == "Error"


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer a b", "Bearer crm_0000_notatoken"])
def test_unknown_or_malformed_token_is_401(units, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get(URL).status_code == 401


def test_revoked_and_expired_tokens_are_refused(token_for, units):
    token, raw = api_token_create(client_name="97-system", scopes=["customer:read"])
    assert bearer(raw).get(URL).status_code == 200
    api_token_revoke(token_id=token.pk)
    assert "revoked" in bearer(raw).get(URL).json()["message"]
    _token2, raw2 = api_token_create(
        client_name="97-system", scopes=["customer:read"], expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert bearer(raw2).get(URL).status_code == 401


def test_token_is_stored_hashed_and_use_is_recorded(units):
    token, raw = api_token_create(client_name="nms", scopes=["customer:read"])
    assert raw.startswith(f"crm_{token.prefix}_")
    stored = ApiToken.objects.filter(pk=token.pk).values_list("token_hash", flat=True).get()
    assert raw not in stored and len(stored) == 64
    bearer(raw).get(URL)
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert ApiClient.objects.get(name="nms").user.staff_profile.role == Role.API_CLIENT
    entry = AuditEntry.objects.get(action="token_create", object_id=str(token.pk))
    assert raw not in str(entry.changes)


def test_api_writes_are_audited_with_the_client_as_actor(token_for, hefei):
    client = bearer(token_for("customer:write", client="crm-sync"))
    response = client.post(
        URL, {"code": "Z9", "name": "审计厅", "kind": "own_hall"}, format="json", HTTP_X_REQUEST_ID="r-9"
    )
    assert response.status_code == 201
    entry = AuditEntry.objects.get(object_type="accounts.orgunit", action="create", object_repr="审计厅")
    assert entry.actor.username == "api-crm-sync" and entry.channel == "api" and entry.request_id == "r-9"


def test_unknown_scope_is_refused():
    with pytest.raises(ValueError, match="Unknown scope"):
        api_token_create(client_name="x", scopes=["customer:delete"])


def test_staff_session_gets_role_scopes(client, make_staff, units):
    client.force_login(make_staff(Role.CALL_AGENT))
    assert client.get(URL).status_code == 200  # customer:read
    client.force_login(make_staff(Role.FIELD_TECHNICIAN))
    assert client.get(URL).status_code == 403  # technicians have no customer:read


def test_region_scope_applies_to_staff_sessions(client, make_staff, units, hefei):
    client.force_login(make_staff(Role.CALL_AGENT, region=hefei))
    assert sorted(u["code"] for u in client.get(URL).json()) == ["A1", "A2"]


def test_create_api_token_command_prints_the_token_once():
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_token", "--client", "billing", "--scopes", "billing:feed,customer:read", stdout=out, stderr=err
    )
    raw = out.getvalue().strip()
    assert raw.startswith("crm_") and "shown once" in err.getvalue()
    client = ApiClient.objects.get(name="billing")
    assert client.scopes == ["billing:feed", "customer:read"]
    call_command("create_api_token", "--client", "ops", "--scopes", "all", stdout=io.StringIO(), stderr=io.StringIO())
    assert ApiClient.objects.get(name="ops").scopes == ["all"]
    with pytest.raises(CommandError, match="Unknown scope"):
        call_command(
            "create_api_token", "--client", "x", "--scopes", "nope", stdout=io.StringIO(), stderr=io.StringIO()
        )


def test_admin_creates_a_client_with_its_first_token_and_revokes_it(client, make_staff):
    from django.contrib.messages import get_messages

    client.force_login(make_staff(Role.ADMIN, username="it-admin"))
    response = client.post(
        "/admin/tmf_api/apiclient/add/", {"name": "nms", "scope_choices": ["customer:read", "ticket:write"]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    api_client = ApiClient.objects.get(name="nms")
    assert api_client.scopes == ["customer:read", "ticket:write"]
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    raw = next(match.group(0) for m in shown if (match := re.search(r"crm_[A-Za-z0-9_-]+", m)))
    assert bearer(raw).get(URL).status_code == 200
    token = api_client.tokens.get()
    client.post("/admin/tmf_api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert bearer(raw).get(URL).status_code == 401
