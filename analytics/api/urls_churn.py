"""Analytics API: churn scores (GET /tmf-api/analytics/v1/churnScore)."""

from rest_framework.routers import SimpleRouter

from . import views_churn

_router = SimpleRouter(trailing_slash=False)
_router.register("churnScore", views_churn.ChurnScoreViewSet, basename="analytics-churn-score")
urlpatterns = _router.urls
