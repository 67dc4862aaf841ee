"""Ordering owns the catalog, the product inventory, orders, work orders and the network resources they use."""

from .catalog import (
    SELLABLE_STATUSES,
    LifecycleStatus,
    ProductCatalog,
    ProductCategory,
    ProductOffering,
    ProductOfferingPrice,
    ProductSpecification,
)
from .inventory import Product
from .ordering import (
    OPEN_ORDER_STATES,
    CommissionEntry,
    CommissionRule,
    CreditLineLimit,
    NextBestOfferRule,
    OrderingPolicy,
    OrderType,
    ProductOrder,
    ProductOrderItem,
    SalesChannel,
)
from .resources import AccessPoint, PortReservation, StandardAddress
from .work import (
    StepKind,
    TeamCoverage,
    WorkOrder,
    WorkOrderAssignment,
    WorkOrderStep,
    WorkOrderStepTemplate,
    WorkOrderTemplate,
)

__all__ = [
    "OPEN_ORDER_STATES",
    "SELLABLE_STATUSES",
    "AccessPoint",
    "CommissionEntry",
    "CommissionRule",
    "CreditLineLimit",
    "LifecycleStatus",
    "NextBestOfferRule",
    "OrderType",
    "OrderingPolicy",
    "PortReservation",
    "Product",
    "ProductCatalog",
    "ProductCategory",
    "ProductOffering",
    "ProductOfferingPrice",
    "ProductOrder",
    "ProductOrderItem",
    "ProductSpecification",
    "SalesChannel",
    "StandardAddress",
    "StepKind",
    "TeamCoverage",
    "WorkOrder",
    "WorkOrderAssignment",
    "WorkOrderStep",
    "WorkOrderStepTemplate",
    "WorkOrderTemplate",
]
