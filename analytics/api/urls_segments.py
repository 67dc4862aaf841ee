"""Analytics API: segment profiles (GET /tmf-api/analytics/v1/segmentProfile)."""

from rest_framework.routers import SimpleRouter

from . import views_segments

_router = SimpleRouter(trailing_slash=False)
_router.register("segmentProfile", views_segments.SegmentProfileViewSet, basename="analytics-segment-profile")
urlpatterns = _router.urls
