"""Security controls (issue 12, item 4): log-in lockout with its audit trail, password policy, the staff idle
timeout, CSRF everywhere, security headers, per-client API rate limits, hashed and scoped API tokens, personal data
masked in log lines, and DEBUG refused in production."""

from __future__ import annotations

import datetime
import hashlib
import io
import logging
import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from rest_framework.authentication import SessionAuthentication
from rest_framework.test import APIClient
from rest_framework.views import APIView

from crm.api.models import ApiToken
from crm.api.services import api_token_create
from crm.audit.models import AuditEntry
from crm.logging import PersonalDataFilter
from crm.security import LAST_ACTIVITY_KEY
from tests.conftest import STAFF_PASSWORD
from tests.customers.conftest import people  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER_API = "/tmf-api/customerManagement/v4/customer"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


# --- Log-in throttling and lockout -------------------------------------------------------------------------------


def _expire_locks(username: str) -> None:
    """As if the lock's minutes had passed: the audit entries about the username move back in time."""
    past = timezone.now() - datetime.timedelta(minutes=16)
    AuditEntry.objects.filter(object_type="auth.user", object_repr=username).update(at=past)


def test_five_failures_lock_the_username_even_for_the_right_password(client, make_staff, settings):
    clerk = make_staff("hall_clerk")
    for _ in range(settings.STAFF_LOGIN_MAX_FAILURES):
        assert _login(client, clerk.username, "wrong-password").status_code == 200
    with translation.override("en"):
        credentials = {"username": clerk.username, "password": STAFF_PASSWORD}
        response = client.post(reverse("accounts:login"), credentials, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert b'data-testid="login-locked"' in response.content
    assert b"Too many failed log-ins" in response.content
    # The trail: every failure (the refused right password too) and one lockout entry.
    entries = AuditEntry.objects.filter(object_repr=clerk.username)
    assert entries.filter(action=AuditEntry.Action.LOGIN_FAILED).count() == settings.STAFF_LOGIN_MAX_FAILURES + 1
    lock = entries.get(action=AuditEntry.Action.LOCKOUT)
    assert lock.changes["scope"] == "username" and lock.ip == "127.0.0.1"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOGIN, actor=clerk).exists()
    # Another member of staff on the same computer is not locked out.
    colleague = make_staff("hall_clerk")
    assert _login(Client(), colleague.username, STAFF_PASSWORD).status_code == 302
    # When the lock has run out, the right password works again.
    _expire_locks(clerk.username)
    assert _login(client, clerk.username, STAFF_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(clerk.pk)


def test_a_successful_log_in_resets_the_count(client, make_staff, settings):
    clerk = make_staff("hall_clerk")
    for _ in range(settings.STAFF_LOGIN_MAX_FAILURES - 1):
        _login(client, clerk.username, "wrong-password")
    assert _login(client, clerk.username, STAFF_PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(settings.STAFF_LOGIN_MAX_FAILURES - 1):
        _login(client, clerk.username, "wrong-password")
    assert _login(client, clerk.username, STAFF_PASSWORD).status_code == 302
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.LOCKOUT).exists()


def test_one_client_trying_many_usernames_is_locked_out(client, make_staff, settings):
    settings.STAFF_LOGIN_MAX_FAILURES_PER_IP = 3
    victim = make_staff("hall_clerk")
    for name in ("alice", "bob", "carol"):
        _login(client, name, "Spring2026!")
    assert _login(client, victim.username, STAFF_PASSWORD).status_code == 200
    assert "_auth_user_id" not in client.session
    # Another client (another address) is not affected.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert _login(other, victim.username, STAFF_PASSWORD).status_code == 302
    lock = AuditEntry.objects.get(action=AuditEntry.Action.LOCKOUT)
    assert lock.changes == {"scope": "ip", "failures": 3, "minutes": settings.STAFF_LOCKOUT_MINUTES}
    assert lock.ip == "127.0.0.1" and "127.0.0.1" in lock.detail


# --- Password policy ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["Ab1-short", "12345678901234", "password123", "qwertyuiop"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_a_password_like_the_username_is_refused_and_a_long_one_accepted(make_staff):
    user = make_staff("hall_clerk", username="wangfang2026")
    with pytest.raises(ValidationError):
        validate_password("wangfang2026!", user=user)
    validate_password("Kite-river-under-2026", user=user)  # no exception


def test_password_change_applies_the_policy(client, make_staff):
    clerk = make_staff("hall_clerk")
    client.force_login(clerk)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": STAFF_PASSWORD, "new_password1": "1234567890", "new_password2": "1234567890"},
    )
    assert response.status_code == 200 and response.context["form"].errors["new_password2"]
    clerk.refresh_from_db()
    assert clerk.check_password(STAFF_PASSWORD)


# --- Idle-session timeout --------------------------------------------------------------------------------------


def _set_last_activity(client, seconds_ago: int) -> None:
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time()) - seconds_ago
    session.save()


def test_an_idle_staff_session_is_logged_out(client, make_staff, settings):
    settings.STAFF_IDLE_TIMEOUT = 30 * 60
    clerk = make_staff("hall_clerk")
    client.force_login(clerk)
    assert int(time.time()) - client.session[LAST_ACTIVITY_KEY] < 5  # the clock starts at the log-in
    assert client.get(reverse("ui:home")).status_code == 200
    _set_last_activity(client, 31 * 60)
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login")) and "next=" in response["Location"]
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action=AuditEntry.Action.LOGOUT, actor=clerk).count() == 1
    # Logged out for good, not only for that request.
    assert client.get(reverse("ui:home")).status_code == 302


def test_activity_within_the_timeout_keeps_the_session_and_htmx_counts(client, make_staff, settings):
    settings.STAFF_IDLE_TIMEOUT = 30 * 60
    clerk = make_staff("hall_clerk")
    client.force_login(clerk)
    _set_last_activity(client, 29 * 60)
    assert client.get(reverse("ui:home"), HTTP_HX_REQUEST="true").status_code == 200
    assert int(time.time()) - client.session[LAST_ACTIVITY_KEY] < 5  # the htmx request renewed it
    _set_last_activity(client, 31 * 60)
    response = client.get(reverse("ui:home"), HTTP_HX_REQUEST="true")
    # htmx gets a redirect it follows as a whole page, not a login form swapped into a fragment.
    assert response.status_code == 401 and response["HX-Redirect"].startswith(reverse("accounts:login"))


# --- CSRF ----------------------------------------------------------------------------------------------------------


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


# Server-to-server callbacks trusted by a signature, not a cookie.
CSRF_EXEMPT_ALLOWED = {"billing_sync.views.provider"}


def test_no_browser_view_is_csrf_exempt():
    offenders = []
    for path, view in _walk(get_resolver().url_patterns):
        if not getattr(view, "csrf_exempt", False):
            continue
        view_class = getattr(view, "cls", None)
        if view_class is not None and issubclass(view_class, APIView):
            # DRF views: session authentication enforces CSRF itself; a token needs no cookie.
            for auth in view_class.authentication_classes:
                if issubclass(auth, SessionAuthentication):
                    assert auth.enforce_csrf is SessionAuthentication.enforce_csrf, (path, auth)
            continue
        if view.__module__ not in CSRF_EXEMPT_ALLOWED:
            offenders.append(f"/{path} ({view.__module__}.{view.__name__})")
    assert offenders == []


def test_staff_and_portal_posts_without_the_token_are_refused(make_staff):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("accounts:login"), {"username": "x", "password": "y"}).status_code == 403
    assert strict.post(reverse("portal:login"), {"login": "18955512345", "password": "y"}).status_code == 403
    clerk = make_staff("hall_clerk")
    strict.force_login(clerk)
    assert strict.post(reverse("accounts:logout")).status_code == 403
    assert strict.session.get("_auth_user_id") == str(clerk.pk)  # still logged in: the POST did nothing


def test_api_with_a_session_needs_the_token_but_bearer_tokens_do_not(make_staff, people):  # noqa: F811
    manager = make_staff("manager")
    strict = APIClient(enforce_csrf_checks=True)
    strict.force_login(manager)
    response = strict.patch(f"{CUSTOMER_API}/{people['zhang'].customer_no}", {"status": "active"}, format="json")
    assert response.status_code == 403 and response.json()["@type"] == "Error"
    _token, raw = api_token_create(client_name="csrf-check", scopes=["customer:read"])
    api = APIClient(enforce_csrf_checks=True)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(CUSTOMER_API).status_code == 200


# --- Security headers ------------------------------------------------------------------------------------------


def test_pages_carry_the_security_headers_with_a_fresh_nonce(client, settings):
    first = client.get(reverse("accounts:login"))
    csp = first["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    assert f'"inlineScriptNonce": "{nonce}"' in first.content.decode()  # htmx runs swapped scripts with it
    second = client.get(reverse("accounts:login"))
    assert re.search(r"'nonce-([^']+)'", second["Content-Security-Policy"]).group(1) != nonce
    assert first["X-Frame-Options"] == "DENY"
    assert first["X-Content-Type-Options"] == "nosniff"
    assert first["Referrer-Policy"] == "same-origin"
    assert "camera=()" in first["Permissions-Policy"]
    assert "Strict-Transport-Security" not in first  # not behind a TLS proxy here
    assert "form-action 'self';" in csp
    settings.CSP_FORM_ACTION_ORIGINS = ["https://pay.example.cn"]  # a real payment provider's pages
    with_provider = client.get(reverse("accounts:login"))["Content-Security-Policy"]
    assert "form-action 'self' https://pay.example.cn;" in with_provider


def test_hsts_is_sent_over_https_when_behind_a_tls_proxy(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get(reverse("accounts:login"), HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_the_api_browser_start_up_script_has_the_nonce(client, make_staff):
    client.force_login(make_staff("manager"))
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'<script nonce="{nonce}">' in response.content.decode()


INLINE_HANDLER = re.compile(r"<[^>]+\s(on[a-z]+|hx-on[:\-][\w:-]*)\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?![^>]*type=\"application/json\")[^>]*>")


def test_templates_have_no_inline_handlers_and_no_inline_script_without_the_nonce():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern in (INLINE_HANDLER, INLINE_SCRIPT):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)[:80]}" for m in pattern.finditer(text)]
    assert offenders == []


# --- API: per-client rate limit, hashed and scoped tokens --------------------------------------------------------


def test_api_rate_limit_is_per_client_with_429_the_tmf_body_and_retry_after(people, settings):  # noqa: F811
    from crm.api.throttling import ApiClientRateThrottle

    original = ApiClientRateThrottle.THROTTLE_RATES, ApiClientRateThrottle.cache_format
    ApiClientRateThrottle.THROTTLE_RATES = {**original[0], "api_client": "2/min"}
    # Keys of this test's own: the cache is shared with the other test processes, whose users have the same ids.
    ApiClientRateThrottle.cache_format = f"throttle-test-{uuid.uuid4().hex}_%(scope)s_%(ident)s"
    try:
        busy, calm = APIClient(), APIClient()
        for api, name in ((busy, "busy"), (calm, "calm")):
            raw = api_token_create(client_name=name, scopes=["customer:read"])[1]
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert [busy.get(CUSTOMER_API).status_code for _ in range(2)] == [200, 200]
        refused = busy.get(CUSTOMER_API)
        assert refused.status_code == 429
        assert refused.json()["@type"] == "Error" and refused.json()["status"] == "429"
        assert int(refused["Retry-After"]) > 0
        assert calm.get(CUSTOMER_API).status_code == 200  # another client has its own budget
    finally:
        ApiClientRateThrottle.THROTTLE_RATES, ApiClientRateThrottle.cache_format = original


def test_api_tokens_are_stored_hashed_and_limited_to_their_scopes(people):  # noqa: F811
    token, raw = api_token_create(client_name="reader", scopes=["customer:read"])
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    secret = raw.rsplit("_", 1)[1]
    assert not any(secret in str(value) for value in ApiToken.objects.filter(pk=token.pk).values().first().values())
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(CUSTOMER_API).status_code == 200
    refused = api.patch(f"{CUSTOMER_API}/{people['zhang'].customer_no}", {"status": "active"}, format="json")
    assert refused.status_code == 403 and refused.json()["@type"] == "Error"
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION=f"Bearer {raw[:-1]}x")
    assert wrong.get(CUSTOMER_API).status_code == 401


# --- No personal data in logs ----------------------------------------------------------------------------------


def _configured_handler() -> logging.Handler:
    handlers = [h for h in logging.getLogger().handlers if any(isinstance(f, PersonalDataFilter) for f in h.filters)]
    assert handlers, "the console handler has no personal-data filter"
    return handlers[0]


def test_id_and_mobile_numbers_are_masked_in_log_lines():
    handler = _configured_handler()
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logger = logging.getLogger("customers.some.module")
        logger.warning("lookup of %s by phone %s", "11010519491231002X", "+86 18955512345")
        logger.warning("customer 340104199001011234 called from 13912345678")
        try:
            raise ValueError("duplicate ID 440524188001010014")
        except ValueError:
            logger.exception("import failed for 18955500000")
    finally:
        handler.setStream(previous)
    output = stream.getvalue()
    for raw in ("11010519491231002X", "18955512345", "340104199001011234", "13912345678", "440524188001010014",
                "18955500000"):  # fmt: skip
        assert raw not in output
    assert "1101**********002X" in output and "189****2345" in output
    assert "3401**********1234" in output and "139****5678" in output
    assert "4405**********0014" in output  # in the traceback too
    assert "ValueError" in output and "import failed" in output


def test_records_are_masked_at_creation_for_handlers_configured_elsewhere(caplog):
    # pytest's capturing handler has no filter of ours, like the handler a Celery worker installs.
    with caplog.at_level(logging.WARNING, logger="billing_sync.tasks"):
        logging.getLogger("billing_sync.tasks").warning("SMS to %s for ID %s", "13912345678", "340104199001011234")
    (record,) = [r for r in caplog.records if r.name == "billing_sync.tasks"]
    assert record.getMessage() == "SMS to 139****5678 for ID 3401**********1234"


# --- Production refuses DEBUG ----------------------------------------------------------------------------------

PRODUCTION_ENV = {
    "CRM_ENV": "production",
    "SECRET_KEY": "k" * 50,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/crm",
    "ALLOWED_HOSTS": "crm.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
}


def _settings_probe(env: dict[str, str], expression: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "BEHIND_TLS_PROXY", *PRODUCTION_ENV}}
    clean.update({"DJANGO_SETTINGS_MODULE": "crm.settings.main", "CRM_VAR_DIR": str(ROOT / "var"), **env})
    code = f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_production_refuses_debug_and_sends_hsts_only_behind_tls():
    refused = _settings_probe({**PRODUCTION_ENV, "DEBUG": "1"}, "s.DEBUG")
    assert refused.returncode != 0 and "ImproperlyConfigured" in refused.stderr and "DEBUG" in refused.stderr
    plain = _settings_probe(PRODUCTION_ENV, "s.DEBUG, s.SECURE_HSTS_SECONDS")
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split() == ["False", "0"]
    behind_tls = {**PRODUCTION_ENV, "BEHIND_TLS_PROXY": "1"}
    behind = _settings_probe(behind_tls, "s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER")
    assert behind.returncode == 0, behind.stderr
    assert behind.stdout.split()[0] == "31536000" and "HTTP_X_FORWARDED_PROTO" in behind.stdout
