from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """TM Forum Open API conventions, API clients and tokens, and event subscriptions (hub)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "crm.api"
    label = "tmf_api"
    verbose_name = _("Integration API")

    def ready(self) -> None:
        from crm.audit import registry

        from . import models, schema  # noqa: F401 - schema registers the OpenAPI auth extension

        registry.register(models.ApiClient)
        registry.register(models.ApiToken, exclude=("token_hash", "last_used_at"))
        registry.register(models.HubSubscription)
