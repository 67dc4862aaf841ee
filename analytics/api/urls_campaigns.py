"""Analytics API: campaigns (GET /tmf-api/analytics/v1/campaign)."""

from rest_framework.routers import SimpleRouter

from . import views_campaigns

_router = SimpleRouter(trailing_slash=False)
_router.register("campaign", views_campaigns.CampaignViewSet, basename="analytics-campaign")
urlpatterns = _router.urls
