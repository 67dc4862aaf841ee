"""The authorization matrix: every URL declares who may use it (crm/access_policy.py), and every role is checked
against every URL it can request.

- Completeness: walking the whole URL configuration (admin and DRF routers included), a pattern without a declared
  policy fails, and so does a policy entry whose URL is gone.
- UI: each staff role × each page: allowed → neither 403 nor 5xx; refused → 403 with the "Not allowed" page;
  anonymous → sent to log in. Portal pages: only a customer's portal session; staff sessions are sent to the
  portal's log-in, and a portal session does not open staff pages.
- API: each role's session and a token without the declared scope → 403 with the TMF error body; with it → not 403.
- Admin: only the admin role (is_staff); everyone else is sent to the admin log-in.
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import resolve, reverse
from rest_framework.test import APIClient

from crm.access_policy import NAMESPACE_POLICY, PER_API_READ_SCOPE, POLICY, Access, policy_for, role_scopes
from crm.accounts.roles import ROLE_PERMISSIONS, Role
from crm.api.scopes import SCOPES

from .conftest import STAFF_ROLES, UrlEntry, portal_client, walk_urls, world_user

URLS: list[UrlEntry] = list(walk_urls())
NAMED: dict[str, UrlEntry] = {u.name: u for u in URLS if u.name}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
MISSING = 0  # an id that exists nowhere: an allowed role gets a 404 from the view, which is still "not refused"

# Values for URL parameters, from the world of tests/security/conftest.py (Hefei's objects: the matrix signs in as
# Hefei's staff). A URL with parameters must be listed here or in UNFILLABLE.
KWARGS = {
    "customers:detail": lambda w: {"customer_no": w.hefei.customer.customer_no},
    "customers:reveal": lambda w: {"customer_no": w.hefei.customer.customer_no},
    "customers:level_pin": lambda w: {"customer_no": w.hefei.customer.customer_no},
    "customers:erase": lambda w: {"customer_no": w.hefei.customer.customer_no},
    "customers:opt_outs": lambda w: {"customer_no": w.hefei.customer.customer_no},
    "customers:portal_contact_nominate": lambda w: {"customer_no": w.hefei.customer.customer_no},
    "customers:portal_contact_remove": lambda w: {"customer_no": w.hefei.customer.customer_no, "contact_id": MISSING},
    "customers:key_account_record": lambda w: {"customer_no": w.hefei.customer.customer_no, "kind": "visit"},
    "customer_imports:report": lambda w: {"pk": MISSING},
    "customer_imports:report_csv": lambda w: {"pk": MISSING},
    "customer_imports:apply": lambda w: {"pk": MISSING},
    "customer_imports:template": lambda w: {"kind": "customers"},
    "orders:new_for": lambda w: {"customer_no": w.hefei.customer.customer_no},
    "orders:take": lambda w: {"customer_no": w.hefei.customer.customer_no, "order_type": "new"},
    "orders:pick_offerings": lambda w: {"customer_no": w.hefei.customer.customer_no, "order_type": "new"},
    "orders:detail": lambda w: {"order_no": w.hefei.order.order_no},
    "orders:print": lambda w: {"order_no": w.hefei.order.order_no},
    "orders:sign": lambda w: {"order_no": w.hefei.order.order_no},
    "orders:cancel": lambda w: {"order_no": w.hefei.order.order_no},
    "orders:second_check": lambda w: {"order_no": w.hefei.order.order_no},
    "orders:work_order_detail": lambda w: {"wo_no": w.hefei.work_order.wo_no},
    "orders:work_order_assign": lambda w: {"wo_no": w.hefei.work_order.wo_no},
    "orders:work_order_auto_assign": lambda w: {"wo_no": w.hefei.work_order.wo_no},
    "orders:work_order_hold": lambda w: {"wo_no": w.hefei.work_order.wo_no},
    "orders:work_order_resume": lambda w: {"wo_no": w.hefei.work_order.wo_no},
    "orders:step_complete": lambda w: {"pk": MISSING},
    "orders:field_detail": lambda w: {"wo_no": w.hefei.work_order.wo_no},
    "orders:field_start": lambda w: {"wo_no": w.hefei.work_order.wo_no},
    "orders:field_finish": lambda w: {"wo_no": w.hefei.work_order.wo_no},
    "orders:field_report": lambda w: {"wo_no": w.hefei.work_order.wo_no},
    "orders:commission_statement": lambda w: {"outlet_code": w.hefei.hall.code, "month": "2026-09"},
    "callcenter:callback_done": lambda w: {"pk": MISSING},
    "callcenter:call": lambda w: {"call_id": w.hefei.call.call_id},
    "callcenter:ticket": lambda w: {"ticket_no": w.hefei.ticket.ticket_no},
    "callcenter:outage_resolve": lambda w: {"pk": MISSING},
    "callcenter:knowledge_article": lambda w: {"pk": MISSING},
    "callcenter:knowledge_edit": lambda w: {"pk": MISSING},
    "callcenter:campaign_call_list": lambda w: {"pk": MISSING},
    "callcenter:campaign_call": lambda w: {"member_id": MISSING},
    "feedback:care_task_done": lambda w: {"pk": MISSING},
    "portal_survey:survey": lambda w: {"token": "no-such-token"},
    "billing_feeds:detail": lambda w: {"pk": MISSING},
    "collections:task": lambda w: {"pk": MISSING},
    "collections:case": lambda w: {"pk": MISSING},
    "payments:new": lambda w: {"account_no": w.hefei.account.account_no},
    "payments:receipt": lambda w: {"payment_no": w.hefei.payment.payment_no},
    "payments:customer_usage": lambda w: {"customer_no": w.hefei.customer.customer_no},
    "payment_provider:simulated": lambda w: {"reference": "no-such-reference"},
    "analytics:job": lambda w: {"pk": MISSING},
    "analytics:job_resume": lambda w: {"pk": MISSING},
    "analytics:model_promote": lambda w: {"pk": MISSING},
    "analytics:dashboard": lambda w: {"key": "customers"},
    "analytics:dashboard_subscribe": lambda w: {"key": "customers"},
    "analytics:fraud_alert": lambda w: {"pk": MISSING},
    "analytics:simulation_proposal": lambda w: {"pk": MISSING},
    "analytics:simulation_result": lambda w: {"pk": MISSING},
    "analytics:campaign": lambda w: {"pk": MISSING},
    "analytics:campaign_edit": lambda w: {"pk": MISSING},
    "analytics:campaign_launch": lambda w: {"pk": MISSING},
    "analytics:campaign_cancel": lambda w: {"pk": MISSING},
    "analytics:campaign_finish": lambda w: {"pk": MISSING},
    "analytics:campaign_report": lambda w: {"pk": MISSING},
    "analytics:campaign_hall_prompt": lambda w: {"customer_no": w.hefei.customer.customer_no},
    "analytics:campaign_hall_prompt_answer": lambda w: {
        "customer_no": w.hefei.customer.customer_no,
        "member_id": MISSING,
    },
    "audit:detail": lambda w: {"pk": MISSING},
    "api-ops:event_delivery_replay": lambda w: {"pk": MISSING},
    "ui:saved_filter_save": lambda w: {"list_key": "customers"},
    "ui:saved_filter_delete": lambda w: {"pk": MISSING},
    "ui:export_approval_decide": lambda w: {"pk": MISSING},
    "portal:campaign_answer": lambda w: {"member_id": MISSING},
    "portal:bill": lambda w: {"bill_no": w.hefei.bill.bill_no},
    "portal:bill_pdf": lambda w: {"bill_no": w.hefei.bill.bill_no},
    "portal:pay_outcome": lambda w: {"reference": "no-such-reference"},
    "portal:ticket": lambda w: {"ticket_no": w.hefei.ticket.ticket_no},
    "portal:order_cancel": lambda w: {"order_no": w.hefei.order.order_no},
    "portal:product_order": lambda w: {"product_no": w.hefei.line.product_no, "action": "suspend"},
    # TMF API: the Hefei customer's objects where the matrix reads them, a missing id elsewhere.
    "tmf-hub": lambda w: {"api_name": "customerManagement"},
    "tmf-hub-detail": lambda w: {"api_name": "customerManagement", "pk": MISSING},
    "tmf629-customer-detail": lambda w: {"pk": w.hefei.customer.pk},
    "tmf632-individual-detail": lambda w: {"pk": w.hefei.customer.party_id},
    "tmf632-organization-detail": lambda w: {"pk": MISSING},
    "tmf666-account-detail": lambda w: {"pk": w.hefei.account.pk},
    "tmf683-interaction-detail": lambda w: {"pk": MISSING},
    "tmf620-offering-detail": lambda w: {"pk": w.hefei.line.offering_id},
    "tmf620-specification-detail": lambda w: {"pk": w.hefei.line.specification_id},
    "tmf620-price-detail": lambda w: {"pk": MISSING},
    "tmf620-category-detail": lambda w: {"pk": MISSING},
    "tmf620-catalog-detail": lambda w: {"pk": MISSING},
    "tmf637-product-detail": lambda w: {"pk": w.hefei.line.pk},
    "tmf622-order-detail": lambda w: {"pk": w.hefei.order.pk},
    "tmf622-cancel-detail": lambda w: {"pk": MISSING},
    "tmf621-ticket-detail": lambda w: {"pk": w.hefei.ticket.pk},
    "tmf678-bill-detail": lambda w: {"pk": w.hefei.bill.bill_no},
    "tmf678-rate-detail": lambda w: {"pk": MISSING},
    "tmf635-usage-detail": lambda w: {"pk": MISSING},
    "tmf676-payment-detail": lambda w: {"pk": w.hefei.payment.payment_no},
    "tmf-billing-feed-batch-detail": lambda w: {"pk": MISSING},
    "tmf-billing-feed-batch-rejection": lambda w: {"pk": MISSING},
    "tmf-billing-feed-upload": lambda w: {"kind": "bills"},
    "analytics-job-detail": lambda w: {"pk": MISSING},
    "analytics-model-version-detail": lambda w: {"pk": MISSING},
    "analytics-churn-score-detail": lambda w: {"pk": MISSING},
    "analytics-fraud-alert-detail": lambda w: {"pk": MISSING},
    "analytics-segment-profile-detail": lambda w: {"pk": MISSING},
    "analytics-credit-score-detail": lambda w: {"pk": MISSING},
    "analytics-campaign-detail": lambda w: {"pk": MISSING},
}

# URLs with parameters the matrix cannot fill, and why (none today; the admin's are filled by _admin_path).
UNFILLABLE: dict[str, str] = {}


def _policy(entry: UrlEntry) -> Access | None:
    return policy_for(entry.name, entry.namespace)


def _is_admin(entry: UrlEntry) -> bool:
    """Covered by the admin's namespace rule (not by an entry of its own)."""
    return (entry.namespace or "").split(":")[0] in NAMESPACE_POLICY and entry.name not in POLICY


def _entries(*kinds: str) -> list[UrlEntry]:
    return [u for u in URLS if u.name in POLICY and POLICY[u.name].kind in kinds and not _is_admin(u)]


def perms_of(role: str, permission: str) -> bool:
    return permission.removeprefix("accounts.") in ROLE_PERMISSIONS[role]


def _path(entry: UrlEntry, world) -> str:
    kwargs = KWARGS[entry.name](world) if entry.params else {}
    return reverse(entry.name, kwargs=kwargs)


def _params(entries: list[UrlEntry], roles) -> list:
    return [pytest.param(role, e.name, id=f"{role}-{e.name}") for e in entries for role in roles]


# --- The table covers the URL configuration, and nothing else ----------------------------------------------------


def test_every_url_pattern_declares_who_may_use_it():
    undeclared = sorted(f"{u.label}  ({u.route})" for u in URLS if _policy(u) is None)
    assert not undeclared, "URL patterns without an entry in crm/access_policy.py POLICY:\n" + "\n".join(undeclared)


def test_every_policy_entry_names_an_existing_url():
    gone = sorted(name for name in POLICY if name not in NAMED)
    assert not gone, f"crm/access_policy.py declares URLs that no longer exist: {gone}"


def test_every_url_with_parameters_gets_values_or_a_reason():
    unfilled = sorted(
        u.name for u in URLS if u.params and not _is_admin(u) and u.name not in KWARGS and u.name not in UNFILLABLE
    )
    assert not unfilled, f"add values for these URLs' parameters to KWARGS (or a reason to UNFILLABLE): {unfilled}"
    stale = sorted(name for name in KWARGS if name not in NAMED)
    assert not stale, f"KWARGS names URLs that no longer exist: {stale}"


def test_api_entries_match_the_scopes_the_views_declare():
    """The table's scopes are the views' read_scope/write_scope (HasScope), not a second opinion."""
    wrong = []
    for entry in URLS:
        access, view = _policy(entry), getattr(entry.callback, "cls", None)
        if access is None or access.kind != "api" or view is None or PER_API_READ_SCOPE in access.read_scopes:
            continue
        if access.write_scope == PER_API_READ_SCOPE:
            continue
        declared_read = getattr(view, "read_scope", None)
        if (declared_read not in access.read_scopes) if declared_read else access.read_scopes:
            wrong.append(f"{entry.name}: view reads with {declared_read!r}, table says {access.read_scopes}")
        if getattr(view, "write_scope", None) != access.write_scope:
            wrong.append(f"{entry.name}: view writes with {view.write_scope!r}, table says {access.write_scope!r}")
    assert not wrong, "\n".join(wrong)
    used = {s for a in POLICY.values() for s in (*a.read_scopes, a.write_scope) if s and s != PER_API_READ_SCOPE}
    assert used <= set(SCOPES), used - set(SCOPES)


def test_every_dashboard_needs_the_permission_the_table_declares():
    from analytics.dashboards.base import dashboards

    declared = set(POLICY["analytics:dashboard"].perms)
    assert {board.key: board.permission for board in dashboards() if board.permission not in declared} == {}


# --- Signed-in sessions, made once per module --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sessions(security_world, django_db_blocker):
    """The session cookie of each role's user (the module's world is alive for as long as these are used)."""
    cookies = {}
    with django_db_blocker.unblock():
        for role in STAFF_ROLES:
            client = Client()
            client.force_login(world_user(security_world, role))
            cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return cookies


@pytest.fixture
def as_role(db, sessions, security_world):
    def make(role: str | None, api: bool = False):
        client = APIClient() if api else Client()
        if role is not None:
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
        return client

    return make


def _assert_refused_page(response, role, name):
    assert response.status_code == 403, f"{role} on {name}: expected 403, got {response.status_code}"
    templates = [t.name for t in response.templates]
    assert "403.html" in templates, f"{role} on {name}: a 403 without the 'Not allowed' page ({templates})"
    assert b"Not allowed" in response.content


def _assert_not_refused(response, role, name):
    assert response.status_code != 403, f"{role} on {name}: refused, but crm/access_policy.py allows it"
    assert response.status_code < 500, f"{role} on {name}: server error {response.status_code}"


# --- Staff UI: every role × every page ---------------------------------------------------------------------------

UI_ENTRIES = _entries("staff", "perms")


@pytest.mark.parametrize(("role", "name"), _params(UI_ENTRIES, STAFF_ROLES))
def test_staff_page(as_role, security_world, role, name):
    entry, access = NAMED[name], POLICY[name]
    path = _path(entry, security_world)
    client = as_role(role)
    if access.allows_role(role):
        response = client.get(path, **ENGLISH)
        if access.post_only:
            assert response.status_code == 405, f"{name} is declared post-only; GET answered {response.status_code}"
        else:
            _assert_not_refused(response, role, name)
    else:
        # Refused roles try the way the page is used (a form post for post-only URLs): nothing may get through.
        response = client.post(path, **ENGLISH) if access.post_only else client.get(path, **ENGLISH)
        _assert_refused_page(response, role, name)


@pytest.mark.parametrize("name", [e.name for e in UI_ENTRIES])
def test_staff_page_sends_anonymous_visitors_to_log_in(as_role, security_world, name):
    entry, access = NAMED[name], POLICY[name]
    path = _path(entry, security_world)
    client = as_role(None)
    response = client.post(path, **ENGLISH) if access.post_only else client.get(path, **ENGLISH)
    login = reverse(settings.LOGIN_URL)
    if response.status_code == 403:  # permission_required(raise_exception=True) without login_required: refused too
        return
    assert response.status_code == 302 and response["Location"].startswith(login), (
        f"anonymous on {name}: {response.status_code} {response.get('Location', '')}"
    )


PUBLIC_GETS = [e for e in _entries("public") if not POLICY[e.name].post_only]


@pytest.mark.parametrize("name", [e.name for e in PUBLIC_GETS])
def test_public_page_answers_anonymous_visitors(as_role, security_world, name):
    response = as_role(None).get(_path(NAMED[name], security_world), **ENGLISH)
    _assert_not_refused(response, "anonymous", name)


NO_EXPORT_ROLES = [r for r in STAFF_ROLES if r != Role.ADMIN and not perms_of(r, "accounts.export_lists")]
DOWNLOAD_TYPES = ("text/csv", "application/vnd.openxmlformats", "application/zip", "application/octet-stream")


@pytest.mark.parametrize(
    ("role", "name"),
    [
        pytest.param(role, e.name, id=f"{role}-{e.name}")
        for e in UI_ENTRIES
        for role in NO_EXPORT_ROLES
        if POLICY[e.name].allows_role(role) and not POLICY[e.name].post_only
    ],
)
def test_lists_are_not_exported_without_export_lists(as_role, security_world, role, name):
    """A role that may read a page but not export lists gets no CSV or Excel file from it (?export=...)."""
    path = _path(NAMED[name], security_world)
    for fmt in ("csv", "xlsx"):
        response = as_role(role).get(path, {"export": fmt}, **ENGLISH)
        content_type = response.get("Content-Type", "")
        assert not (response.status_code == 200 and content_type.startswith(DOWNLOAD_TYPES)), (
            f"{role} downloaded {name}?export={fmt} ({content_type}) without accounts.export_lists"
        )
        assert response.status_code < 500, f"{role} on {name}?export={fmt}: {response.status_code}"


# --- Portal pages: a customer's own session only -----------------------------------------------------------------

PORTAL_ENTRIES = _entries("portal")


@pytest.mark.parametrize(("role", "name"), _params(PORTAL_ENTRIES, [*STAFF_ROLES, None]))
def test_portal_page_needs_a_portal_session(as_role, security_world, role, name):
    """Staff sessions play no part on portal pages: everyone without a portal session is sent to its log-in."""
    client, path = as_role(role), _path(NAMED[name], security_world)
    response = client.post(path, **ENGLISH) if POLICY[name].post_only else client.get(path, **ENGLISH)
    assert response.status_code == 302, f"{role} on {name}: {response.status_code}"
    assert response["Location"].startswith(reverse("portal:login")), response["Location"]


@pytest.fixture
def portal_session(db, security_world):
    """A client signed in to the portal as the Hefei customer."""
    return portal_client(security_world.hefei.portal_account)


@pytest.mark.parametrize("name", [e.name for e in PORTAL_ENTRIES])
def test_portal_customer_reaches_the_portal_page(portal_session, security_world, name):
    response = portal_session.get(_path(NAMED[name], security_world), **ENGLISH)
    if POLICY[name].post_only:
        assert response.status_code == 405, f"{name} is declared post-only; GET answered {response.status_code}"
        return
    assert response.status_code < 500 and response.status_code != 403, f"{name}: {response.status_code}"
    assert not (response.status_code == 302 and response["Location"].startswith(reverse("portal:login")))


@pytest.mark.parametrize("name", [e.name for e in UI_ENTRIES if not POLICY[e.name].post_only])
def test_portal_session_does_not_open_staff_pages(portal_session, security_world, name):
    response = portal_session.get(_path(NAMED[name], security_world), **ENGLISH)
    assert response.status_code in (302, 403), f"portal customer on {name}: {response.status_code}"
    if response.status_code == 302:
        assert response["Location"].startswith(reverse(settings.LOGIN_URL)), response["Location"]


# --- TMF API: role sessions and tokens ---------------------------------------------------------------------------

API_ENTRIES = _entries("api")


def _scope_for(access: Access, write: bool) -> frozenset[str]:
    scopes = {access.write_scope} if write else set(access.read_scopes)
    if PER_API_READ_SCOPE in scopes:
        scopes = {"customer:read"}  # the hub of customerManagement (KWARGS)
    return frozenset(scopes)


def _assert_tmf_refusal(response, who, name):
    assert response.status_code == 403, f"{who} on {name}: expected 403, got {response.status_code}"
    body = response.json()
    assert {"code", "reason", "message"} <= set(body), f"{who} on {name}: not a TMF error body: {body}"
    assert body["reason"] == "Forbidden" and body["@type"] == "Error"


def _api_call(client, access: Access, path: str):
    if access.read_scopes:
        return client.get(path, **ENGLISH), False
    return client.post(path, {}, format="json", **ENGLISH), True


@pytest.mark.parametrize(("role", "name"), _params(API_ENTRIES, STAFF_ROLES))
def test_api_route_with_a_role_session(as_role, security_world, role, name):
    access = POLICY[name]
    response, write = _api_call(as_role(role, api=True), access, _path(NAMED[name], security_world))
    if access.sessions and _scope_for(access, write) & role_scopes(role):
        if write:  # an allowed write with an empty body: refused as invalid, never as forbidden
            assert response.status_code not in (401, 403) and response.status_code < 500, response.status_code
        else:
            _assert_not_refused(response, role, name)
    else:
        _assert_tmf_refusal(response, f"{role} session", name)


@pytest.fixture
def token_client(db):
    from crm.api.services import api_token_create

    def make(scopes: frozenset[str]):
        _token, raw = api_token_create(client_name="matrix", scopes=sorted(scopes))
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make


@pytest.mark.parametrize("name", [e.name for e in API_ENTRIES])
def test_api_route_with_tokens(token_client, security_world, name):
    access = POLICY[name]
    path = _path(NAMED[name], security_world)
    needed = _scope_for(access, write=not access.read_scopes)
    # Every scope but the one(s) the route needs: refused with the TMF body.
    response, _write = _api_call(token_client(frozenset(SCOPES) - needed), access, path)
    _assert_tmf_refusal(response, "token without the scope", name)
    # Exactly the scope: let through (a missing object or an invalid body are not refusals).
    response, _write = _api_call(token_client(needed), access, path)
    assert response.status_code not in (401, 403) and response.status_code < 500, (name, response.status_code)
    # No credentials at all: 401 with the TMF body and the Bearer challenge.
    response, _write = _api_call(APIClient(), access, path)
    assert response.status_code == 401 and response.json()["code"], (name, response.status_code)


# --- Django admin: only the admin role ---------------------------------------------------------------------------

ADMIN_ENTRIES = [u for u in URLS if _is_admin(u)]
_ADMIN_SAMPLES = {"object_id": "1", "id": "1", "content_type_id": "1", "app_label": "accounts", "url": "no-such-page/"}


def _admin_path(entry: UrlEntry) -> str:
    if entry.name:
        return reverse(entry.name, kwargs={p: _ADMIN_SAMPLES[p] for p in entry.params})
    if "(?P<url>" in entry.route:
        return "/admin/no-such-page/"
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: _ADMIN_SAMPLES[m.group(1)], entry.route)


def test_admin_paths_resolve_to_their_own_pattern():
    for entry in ADMIN_ENTRIES:
        path = _admin_path(entry)
        assert resolve(path).route == entry.route.replace("^", ""), (entry.label, path)


def test_only_the_admin_role_has_the_admin_flag(security_world):
    """The admin's gate is is_staff: no other role may carry it (so one non-admin role stands for all below)."""
    flagged = {role for role in STAFF_ROLES if world_user(security_world, role).is_staff}
    assert flagged == {Role.ADMIN}


@pytest.mark.parametrize("entry", ADMIN_ENTRIES, ids=[e.label for e in ADMIN_ENTRIES])
def test_admin_page_only_for_the_admin_role(as_role, entry):
    path = _admin_path(entry)
    # Sent to the admin log-in (the log-out page sends to the admin index, which sends to the log-in).
    gates = (reverse("admin:login"), reverse("admin:index"))
    for role in (Role.MANAGER, None):
        response = as_role(role).get(path, **ENGLISH)
        assert response.status_code == 302, f"{role} on {entry.label}: {response.status_code}"
        assert response["Location"].startswith(gates[0]) or response["Location"] == gates[1], (role, entry.label)
    # The admin opens the lists (the object pages of the sample id, which need not exist, are left out for time).
    if entry.name and entry.name.endswith(("_changelist", ":index", ":app_list")):
        response = as_role(Role.ADMIN).get(path, **ENGLISH)
        assert response.status_code == 200, f"admin on {entry.label}: {response.status_code}"
