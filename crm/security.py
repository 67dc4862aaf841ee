"""Cross-cutting security controls of the web tier: the staff idle-session timeout and the security headers
(Content-Security-Policy with a per-request nonce for the few inline scripts, Permissions-Policy).

Frame denial, nosniff, Referrer-Policy and HSTS come from Django's own middlewares, configured in settings/base.py.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

LAST_ACTIVITY_KEY = "_last_activity"


class StaffIdleTimeoutMiddleware:
    """Log a staff user out after ``STAFF_IDLE_TIMEOUT`` seconds without a request (htmx requests count too).

    The time of the last request is kept in the session; the session cookie's own age (SESSION_COOKIE_AGE) still
    bounds a busy session. Token-authenticated API calls carry no session and are not affected.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = settings.STAFF_IDLE_TIMEOUT
        user = getattr(request, "user", None)
        if timeout and user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            if last is not None and now - int(last) > timeout:
                if request.path.startswith("/tmf-api/"):
                    logout(request)  # the API then answers 401/403 with its TMF error body
                    return self.get_response(request)
                return self._expired(request, timeout)
            # Written at most once a minute, so a burst of htmx requests does not save the session each time.
            if last is None or now - int(last) >= 60:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _expired(self, request, timeout: int) -> HttpResponse:
        logout(request)  # flushes the session; the user_logged_out signal writes the audit entry
        messages.info(
            request,
            _("You were logged out after %(minutes)d minutes without activity.") % {"minutes": max(timeout // 60, 1)},
        )
        login_url = reverse(settings.LOGIN_URL)
        if request.method == "GET" and not request.headers.get("HX-Request"):
            login_url += "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            # htmx would swap the login page into a fragment; it follows HX-Redirect as a full navigation instead.
            response = HttpResponse(status=401)
            response["HX-Redirect"] = login_url
            return response
        return redirect(login_url)


def stamp_activity_at_login(sender, request, user, **kwargs) -> None:
    """``user_logged_in`` receiver: a new session starts active, so its first pages need not save the session."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY_KEY] = int(time.time())


def _csp_header(nonce: str) -> str:
    directives = {
        "default-src": "'self'",
        # Inline scripts need the request's nonce; no inline event handlers, no eval.
        "script-src": f"'self' 'nonce-{nonce}'",
        # Inline style attributes are allowed: ECharts and htmx set them, and styles cannot run code.
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        # Forms post here; a payment provider the portal redirects a form's answer to must be listed (Chrome checks
        # redirects after a form post too).
        "form-action": " ".join(["'self'", *settings.CSP_FORM_ACTION_ORIGINS]),
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Content-Security-Policy (nonce per request, in ``request.csp_nonce``) and Permissions-Policy on responses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.csp_nonce = secrets.token_urlsafe(18)
        response = self.get_response(request)
        if settings.CSP_ENABLED:
            header = "Content-Security-Policy-Report-Only" if settings.CSP_REPORT_ONLY else "Content-Security-Policy"
            response.headers.setdefault(header, _csp_header(request.csp_nonce))
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        return response


def csp_nonce(request) -> dict[str, str]:
    """Template context processor: ``{{ csp_nonce }}`` for ``<script nonce="…">``."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
