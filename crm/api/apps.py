from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """TM Forum Open API conventions, API clients and tokens, and event subscriptions (hub)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "crm.api"
    label = "tmf_api"
    verbose_name = _("Integration API")
