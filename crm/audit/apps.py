from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The audit log (审计日志): who did what to which object, from where, under which request."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "crm.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        from . import auth_events, registry

        registry.connect_signals()
        auth_events.connect_signals()
        registry.register(get_user_model(), exclude=("last_login",))
        registry.register(Group)
