from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    """Customers (客户)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from crm.audit import registry

        from . import events, models, navigation, search  # noqa: F401 - events registers the TMF APIs

        search.register_provider()
        navigation.register_navigation()

        for model in (
            models.Party,
            models.ContactMedium,
            models.Customer,
            models.BillingAccount,
            models.ServiceLevelThreshold,
            models.KeyAccountContract,
            models.CommunicationPlan,
        ):
            registry.register(model)
