from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    """Orders (订单与工单): the catalog, the inventory, orders, work orders, resources and outlet commissions."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "orders"
    verbose_name = _("Orders")

    def ready(self) -> None:
        from crm.audit import registry

        from . import models, navigation, search, services  # noqa: F401 - services registers the TMF620 and TMF637 APIs
        from .services import intake  # noqa: F401 - registers the TMF622 API

        navigation.register_navigation()
        search.register_provider()

        for model in (
            models.ProductCategory,
            models.ProductCatalog,
            models.ProductSpecification,
            models.ProductOffering,
            models.ProductOfferingPrice,
            models.Product,
            models.ProductOrder,
            models.WorkOrder,
            models.AccessPoint,
            models.StandardAddress,
            models.OrderingPolicy,
            models.CreditLineLimit,
            models.NextBestOfferRule,
            models.CommissionRule,
            models.WorkOrderTemplate,
            models.WorkOrderStepTemplate,
            models.TeamCoverage,
        ):
            registry.register(model)
