from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """Self-service portal (网上营业厅)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = _("Self-service portal")
