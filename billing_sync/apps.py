from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingSyncConfig(AppConfig):
    """Billing integration (计费集成)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "billing_sync"
    verbose_name = _("Billing integration")
