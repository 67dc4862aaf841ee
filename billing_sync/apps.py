from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingSyncConfig(AppConfig):
    """Billing integration (计费集成)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "billing_sync"
    verbose_name = _("Billing integration")

    def ready(self) -> None:
        from crm.audit import registry

        from . import models, navigation
        from .api import views  # noqa: F401 - registers the TMF678 and TMF635 APIs
        from .services import payments  # noqa: F401 - registers the TMF676 API

        navigation.register_navigation()
        for model in (models.DunningPhase, models.DunningRule):
            registry.register(model)
