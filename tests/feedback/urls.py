"""The staff pages and the portal form mounted as the integrator will mount them: /feedback/ and /portal/."""

from django.urls import include, path

urlpatterns = [
    path("feedback/", include(("feedback.views", "feedback"), namespace="feedback")),
    path("portal/", include(("feedback.portal_views", "portal_survey"), namespace="portal_survey")),
    path("", include("crm.urls")),
]
