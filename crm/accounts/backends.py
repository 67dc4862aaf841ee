"""Staff authentication: Django's model backend with log-in throttling and lockout (audited).

Failures are counted in the shared cache per username and per client IP. ``STAFF_LOGIN_MAX_FAILURES`` failures in a
row for a username lock it for ``STAFF_LOCKOUT_MINUTES`` (even the right password is refused meanwhile); a client IP
that fails ``STAFF_LOGIN_MAX_FAILURES_PER_IP`` times across usernames is refused the same way (password spraying).
Every failure is in the audit log through the ``user_login_failed`` signal; a lock adds one LOCKOUT entry.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from crm import context
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.middleware import client_ip


def _user_key(username: str) -> str:
    return f"staff-login:user:{username.strip().lower()[:150]}"


def _ip_key(ip: str | None) -> str | None:
    return f"staff-login:ip:{ip}" if ip else None


def _window() -> int:
    return settings.STAFF_LOCKOUT_MINUTES * 60


def _client_ip(request) -> str | None:
    return client_ip(request) if request is not None else context.current().ip


def login_locked(username: str, *, ip: str | None = None) -> bool:
    """Whether log-in is refused for this username (or from this client IP) because of recent failures."""
    if (cache.get(_user_key(username)) or 0) >= settings.STAFF_LOGIN_MAX_FAILURES:
        return True
    key = _ip_key(ip)
    return key is not None and (cache.get(key) or 0) >= settings.STAFF_LOGIN_MAX_FAILURES_PER_IP


def _count(key: str) -> int:
    # add() starts the window; incr() never extends it, so a lock lasts STAFF_LOCKOUT_MINUTES from its first failure
    # at most (counting on while locked would keep an attacked account locked for ever; see login_failure_record).
    if cache.add(key, 1, timeout=_window()):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.add(key, 1, timeout=_window())
        return 1


def login_failure_record(username: str, *, ip: str | None = None) -> bool:
    """Count a failed log-in; returns True when this failure locks the username (written to the audit log)."""
    user_failures = _count(_user_key(username))
    ip_key = _ip_key(ip)
    ip_failures = _count(ip_key) if ip_key else 0
    locked_now = user_failures == settings.STAFF_LOGIN_MAX_FAILURES
    ip_locked_now = ip_key is not None and ip_failures == settings.STAFF_LOGIN_MAX_FAILURES_PER_IP
    if locked_now or ip_locked_now:
        audit_record(
            action=AuditEntry.Action.LOCKOUT,
            object_type="auth.user",
            object_repr=username[:150],
            detail=(
                f"staff log-in locked for {settings.STAFF_LOCKOUT_MINUTES} min after "
                + (f"{user_failures} failures for this username" if locked_now else f"{ip_failures} failures from {ip}")
            ),
        )
    return locked_now or ip_locked_now


def login_failures_reset(username: str) -> None:
    cache.delete(_user_key(username))


class LockoutModelBackend(ModelBackend):
    """ModelBackend refusing locked usernames and counting failures; a success clears the username's count."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if username is None or password is None:
            return None
        ip = _client_ip(request)
        if login_locked(username, ip=ip):
            # PermissionDenied stops authenticate() at once and still sends user_login_failed (audited).
            raise PermissionDenied("locked")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username, ip=ip)
            return None
        login_failures_reset(username)
        return user

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
