"""Staff authentication: Django's model backend with log-in throttling and lockout, counted from the audit log.

Every failed log-in is already an audit entry (LOGIN_FAILED, through the ``user_login_failed`` signal, with the
client IP), so the audit log is the counter: no second store to keep in step, and it works the same in every web
process and while Redis is down. ``STAFF_LOGIN_MAX_FAILURES`` failures for a username since its last successful
log-in, within ``STAFF_LOCKOUT_MINUTES``, lock it for ``STAFF_LOCKOUT_MINUTES`` (the right password is refused
meanwhile); a client IP failing ``STAFF_LOGIN_MAX_FAILURES_PER_IP`` times across usernames (password spraying) is
locked the same way. A lock is one LOCKOUT entry and runs for the window from it; failures that go on during a
lock count towards the next one, so an attack that does not stop keeps the username locked.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from crm import context
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.middleware import client_ip

SCOPE_USERNAME = "username"
SCOPE_IP = "ip"


def _window() -> timedelta:
    return timedelta(minutes=settings.STAFF_LOCKOUT_MINUTES)


def _entries():
    return AuditEntry.objects.filter(object_type="auth.user", at__gte=timezone.now() - _window())


def _lock_condition(username: str, ip: str | None) -> Q:
    condition = Q(changes__scope=SCOPE_USERNAME, object_repr=username[:200])
    if ip:
        condition |= Q(changes__scope=SCOPE_IP, ip=ip)
    return condition


def login_locked(username: str, *, ip: str | None = None) -> bool:
    """Whether log-in is refused now for this username (or from this client IP) after too many failures."""
    return _entries().filter(_lock_condition(username, ip), action=AuditEntry.Action.LOCKOUT).exists()


def _failures_since_reset(condition: Q) -> int:
    """Failures matching ``condition`` in the window, after the last successful log-in or lock they concern."""
    recent = _entries().filter(condition)
    reset = (
        recent.filter(action__in=[AuditEntry.Action.LOGIN, AuditEntry.Action.LOCKOUT])
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = recent.filter(action=AuditEntry.Action.LOGIN_FAILED)
    return (failures.filter(at__gt=reset) if reset else failures).count()


def login_failure_record(username: str, *, ip: str | None = None) -> bool:
    """Called for a wrong password, before its LOGIN_FAILED entry is written: locks the username (or the client IP)
    when this failure reaches the limit, with a LOCKOUT entry. Returns whether it did."""
    name = username[:200]
    # LOGIN entries name the user by object_repr too (str(user) is the username).
    by_name = _failures_since_reset(Q(object_repr=name)) + 1
    if by_name >= settings.STAFF_LOGIN_MAX_FAILURES:
        _lock(name, ip, scope=SCOPE_USERNAME, failures=by_name)
        return True
    if ip:
        by_ip = (
            _entries()
            .filter(ip=ip, action=AuditEntry.Action.LOGIN_FAILED)
            .filter(at__gt=_last_ip_lock(ip) or timezone.now() - _window())
            .count()
            + 1
        )
        if by_ip >= settings.STAFF_LOGIN_MAX_FAILURES_PER_IP:
            _lock(name, ip, scope=SCOPE_IP, failures=by_ip)
            return True
    return False


def _last_ip_lock(ip: str):
    locks = _entries().filter(action=AuditEntry.Action.LOCKOUT, changes__scope=SCOPE_IP, ip=ip)
    return locks.order_by("-at").values_list("at", flat=True).first()


def _lock(username: str, ip: str | None, *, scope: str, failures: int) -> None:
    minutes = settings.STAFF_LOCKOUT_MINUTES
    audit_record(
        action=AuditEntry.Action.LOCKOUT,
        object_type="auth.user",
        object_repr=username,
        changes={"scope": scope, "failures": failures, "minutes": minutes},
        detail=(
            f"staff log-in locked for {minutes} min after {failures} failures "
            + ("for this username" if scope == SCOPE_USERNAME else f"from {ip}")
        ),
    )


class LockoutModelBackend(ModelBackend):
    """ModelBackend refusing locked usernames and client IPs, and locking them after too many failures."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            from django.contrib.auth import get_user_model

            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request) if request is not None else context.current().ip
        if login_locked(username, ip=ip):
            # PermissionDenied stops authenticate() at once and still sends user_login_failed (audited).
            raise PermissionDenied("locked")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username, ip=ip)
        return user

    def get_user(self, user_id):
        """The session's user, read fresh (active, password hash), with its profile and permissions from the cache."""
        from .principal import principal_attach

        user = super().get_user(user_id)
        principal_attach(user)
        return user
