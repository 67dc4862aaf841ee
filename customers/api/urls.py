"""TMF API routes of the customer app, mounted under /tmf-api/ by crm/urls.py."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views


def _router(*routes) -> list:
    router = SimpleRouter(trailing_slash=False)
    for prefix, viewset, basename in routes:
        router.register(prefix, viewset, basename=basename)
    return router.urls


urlpatterns = [
    path("customerManagement/v4/", include(_router(("customer", views.CustomerViewSet, "tmf629-customer")))),
    path(
        "party/v4/",
        include(
            _router(
                ("individual", views.IndividualViewSet, "tmf632-individual"),
                ("organization", views.OrganizationViewSet, "tmf632-organization"),
            )
        ),
    ),
    path("accountManagement/v4/", include(_router(("billingAccount", views.BillingAccountViewSet, "tmf666-account")))),
    path(
        "partyInteraction/v4/",
        include(_router(("partyInteraction", views.PartyInteractionViewSet, "tmf683-interaction"))),
    ),
]
