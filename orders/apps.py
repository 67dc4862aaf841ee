from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    """Orders (订单与工单): the product catalog, the product inventory, and (next) orders and work orders."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from crm.audit import registry

        from . import models, services  # noqa: F401 - services registers the TMF620 and TMF637 APIs

        for model in (
            models.ProductCategory,
            models.ProductCatalog,
            models.ProductSpecification,
            models.ProductOffering,
            models.ProductOfferingPrice,
            models.Product,
        ):
            registry.register(model)
