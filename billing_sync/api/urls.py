"""TMF678 customer bills, TMF635 usage and TMF676 payments (read), mounted under /tmf-api/ by crm/urls.py."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views


def _router(*routes) -> list:
    router = SimpleRouter(trailing_slash=False)
    for prefix, viewset, basename in routes:
        router.register(prefix, viewset, basename=basename)
    return router.urls


urlpatterns = [
    path(
        "customerBillManagement/v4/",
        include(
            _router(
                ("customerBill", views.CustomerBillViewSet, "tmf678-bill"),
                ("appliedCustomerBillingRate", views.AppliedCustomerBillingRateViewSet, "tmf678-rate"),
            )
        ),
    ),
    path("usageManagement/v4/", include(_router(("usage", views.UsageViewSet, "tmf635-usage")))),
    path("paymentManagement/v4/", include(_router(("payment", views.PaymentViewSet, "tmf676-payment")))),
]
