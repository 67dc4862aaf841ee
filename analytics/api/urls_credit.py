"""Analytics API: credit scores (GET /tmf-api/analytics/v1/creditScore)."""

from rest_framework.routers import SimpleRouter

from . import views_segments

_router = SimpleRouter(trailing_slash=False)
_router.register("creditScore", views_segments.CreditScoreViewSet, basename="analytics-credit-score")
urlpatterns = _router.urls
