"""The audit log: an append-only record of every write and every unmasked view of personal data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One audited event (审计记录): who, when, what action, which object, what changed, from where."""

    class Action(models.TextChoices):
        CREATE = "create", _("Create")
        UPDATE = "update", _("Update")
        DELETE = "delete", _("Delete")
        VIEW_PERSONAL_DATA = "view_personal_data", _("View personal data")
        EXPORT = "export", _("Export")
        LOGIN = "login", _("Log in")
        LOGIN_FAILED = "login_failed", _("Failed log in")
        LOGOUT = "logout", _("Log out")
        LOCKOUT = "lockout", _("Lockout")  # too many failed log-ins: the login is locked for a while
        PASSWORD_CHANGE = "password_change", _("Password change")
        TOKEN_CREATE = "token_create", _("API token created")
        TOKEN_REVOKE = "token_revoke", _("API token revoked")
        REPLAY = "replay", _("Replay")
        CROSS_REGION_LOOKUP = "cross_region_lookup", _("Cross-region lookup")
        EXPORT_REQUEST = "export_request", _("Export approval requested")
        EXPORT_DECISION = "export_decision", _("Export approval decided")
        IMPORT = "import", _("Import")
        OTHER = "other", _("Other")

    class Channel(models.TextChoices):
        UI = "ui", _("Staff UI")
        API = "api", _("API")
        ADMIN = "admin", _("Admin")
        PORTAL = "portal", _("Portal")
        SYSTEM = "system", _("System")
        TASK = "task", _("Background job")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
        verbose_name=_("actor"),
    )
    actor_repr = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)  # app_label.model
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)  # {field: [before, after]}
    ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.SYSTEM)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("audit entry (审计记录)")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at_idx"),
            models.Index(fields=["action", "-at"], name="audit_action_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_repr or '-'} {self.action} {self.object_type}#{self.object_id}"
