"""crm.urls plus the test-only TMF resource."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from crm.urls import urlpatterns as crm_urlpatterns

from .resources import OrgUnitViewSet

router = SimpleRouter(trailing_slash=False)
router.register("orgUnit", OrgUnitViewSet, basename="test-orgunit")

urlpatterns = [path("tmf-api/testOrganisation/v4/", include(router.urls)), *crm_urlpatterns]
handler404 = "crm.api.exceptions.handler404"
handler500 = "crm.api.exceptions.handler500"
handler403 = "crm.api.exceptions.handler403"
