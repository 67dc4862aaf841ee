"""The portal's own log-in state: who is logged in lives in the portal session (cookie ``crm_portal``), never in
the staff session, and ``portal_login_required`` guards every page with a customer's data."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme

from .models import PortalAccount
from .services import portal_logout_record, session_hash

ACCOUNT_KEY = "_portal_account_id"
HASH_KEY = "_portal_account_hash"
PORTAL_PREFIX = "/portal/"


def portal_log_in(request, account: PortalAccount) -> None:
    """Start the customer's portal session: a new session key (no fixation), the account and its password digest."""
    session = request.portal_session
    session.cycle_key()
    session[ACCOUNT_KEY] = account.pk
    session[HASH_KEY] = session_hash(account)
    request.portal_account = account


def portal_log_out(request) -> None:
    """End the portal session (the staff session, if any, is untouched)."""
    account = getattr(request, "portal_account", None)
    if account is not None:
        portal_logout_record(account=account)
    request.portal_session.flush()
    request.portal_account = None


def account_from_session(session) -> PortalAccount | None:
    """The active account the session belongs to, or None (also when its password changed since: a reset ends
    every other session)."""
    account_id = session.get(ACCOUNT_KEY)
    if account_id is None:
        return None
    # A nominated contact's access ends with the nomination, at the very next request.
    account = (
        PortalAccount.objects.select_related("customer__party")
        .filter(pk=account_id, is_active=True)
        .exclude(nominated_contact__is_active=False)
        .first()
    )
    if account is None or session.get(HASH_KEY) != session_hash(account):
        return None
    return account


def safe_next(request, default: str) -> str:
    """The ``next`` parameter when it is a portal page of this site, else ``default``."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith(PORTAL_PREFIX) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def portal_login_required(view):
    """Send a visitor without a portal session to the portal log-in (with ``next=``); pages are never cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if getattr(request, "portal_account", None) is None:
            return redirect_to_login(request.get_full_path(), reverse("portal:login"), "next")
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        return response

    return wrapped
