"""The portal's separate session: for /portal/ paths, a second SessionStore read from its own cookie.

A staff session cookie (``sessionid``) is never read as a customer's and the portal cookie (``crm_portal``, path
/portal/) is never sent to staff pages, so neither log-in grants the other. On portal paths the staff user is
hidden (``request.user`` is anonymous) and audit entries name the customer's portal account instead.

A "not found" on a portal path shows the portal's own page (portal/404.html, the customer's header and links), not
the staff error page the project's handler404 renders.
"""

from __future__ import annotations

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date

from crm import context

from .auth import PORTAL_PREFIX, account_from_session


async def _anonymous_user() -> AnonymousUser:
    return AnonymousUser()


class PortalSessionMiddleware:
    """Loads ``request.portal_session`` and ``request.portal_account`` (or None) on /portal/ paths; saves the
    session and sets or deletes its cookie afterwards, as Django's SessionMiddleware does for the staff one."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request):
        if not request.path.startswith(PORTAL_PREFIX):
            return self.get_response(request)
        request.user = AnonymousUser()  # staff identity plays no part on portal pages
        request.auser = _anonymous_user
        session = self.store(request.COOKIES.get(settings.PORTAL_SESSION_COOKIE_NAME))
        request.portal_session = session
        request.portal_account = account_from_session(session)
        if request.portal_account is not None:
            context.update_context(actor_id=None, actor_repr=f"portal:{request.portal_account.pk}")
        else:
            context.update_context(actor_id=None, actor_repr="")
        response = self.get_response(request)
        if response.status_code == 404 and not settings.DEBUG:  # DEBUG keeps Django's page that says why
            response = render(request, "portal/404.html", status=404)
        return self._save(request, session, response)

    def _save(self, request, session, response):
        name = settings.PORTAL_SESSION_COOKIE_NAME
        if name in request.COOKIES and session.is_empty():
            response.delete_cookie(name, path=PORTAL_PREFIX, samesite="Lax")
            patch_vary_headers(response, ("Cookie",))
            return response
        if session.accessed:
            patch_vary_headers(response, ("Cookie",))
        if not session.modified or session.is_empty() or response.status_code >= 500:
            return response
        if session.get("_session_expiry") is None:
            session.set_expiry(settings.PORTAL_SESSION_COOKIE_AGE)
        max_age = session.get_expiry_age()
        session.save()
        response.set_cookie(
            name, session.session_key, max_age=max_age, expires=http_date(time.time() + max_age), path=PORTAL_PREFIX,
            secure=settings.PORTAL_SESSION_COOKIE_SECURE, httponly=True, samesite="Lax",
        )  # fmt: skip
        return response
