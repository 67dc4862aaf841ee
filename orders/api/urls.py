"""TMF620, TMF622 and TMF637 routes, mounted under /tmf-api/ by crm/urls.py."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import order_views, views

catalog = SimpleRouter(trailing_slash=False)
catalog.register("productOffering", views.ProductOfferingViewSet, basename="tmf620-offering")
catalog.register("productSpecification", views.ProductSpecificationViewSet, basename="tmf620-specification")
catalog.register("productOfferingPrice", views.ProductOfferingPriceViewSet, basename="tmf620-price")
catalog.register("category", views.CategoryViewSet, basename="tmf620-category")
catalog.register("catalog", views.CatalogViewSet, basename="tmf620-catalog")
inventory = SimpleRouter(trailing_slash=False)
inventory.register("product", views.ProductViewSet, basename="tmf637-product")
ordering = SimpleRouter(trailing_slash=False)
ordering.register("productOrder", order_views.ProductOrderViewSet, basename="tmf622-order")
ordering.register("cancelProductOrder", order_views.CancelProductOrderViewSet, basename="tmf622-cancel")

urlpatterns = [
    path("productCatalogManagement/v4/", include(catalog.urls)),
    path("productInventory/v4/", include(inventory.urls)),
    path("productOrderingManagement/v4/", include(ordering.urls)),
]
