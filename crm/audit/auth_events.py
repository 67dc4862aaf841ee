"""Log in, log out and failed log-in attempts go to the audit log."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from .models import AuditEntry
from .services import audit_record


def _logged_in(sender, request, user, **kwargs) -> None:
    audit_record(action=AuditEntry.Action.LOGIN, obj=user, actor=user)


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=AuditEntry.Action.LOGOUT, obj=user, actor=user)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    audit_record(action=AuditEntry.Action.LOGIN_FAILED, object_type="auth.user", object_repr=username, detail=username)


def connect_signals() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="crm.audit.logged_in")
    user_logged_out.connect(_logged_out, dispatch_uid="crm.audit.logged_out")
    user_login_failed.connect(_login_failed, dispatch_uid="crm.audit.login_failed")
