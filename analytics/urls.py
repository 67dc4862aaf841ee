"""Analytics pages under /analytics/ (namespace ``analytics``): one URL module per topic."""

from django.urls import include, path

from . import (
    urls_campaign_channels,
    urls_campaigns,
    urls_churn,
    urls_credit,
    urls_dashboards,
    urls_features,
    urls_fraud,
    urls_jobs,
    urls_segments,
    urls_simulation,
)

app_name = "analytics"
urlpatterns = [
    path("jobs/", include(urls_jobs.urlpatterns)),
    path("dashboards/", include(urls_dashboards.urlpatterns)),
    path("features/", include(urls_features.urlpatterns)),
    path("churn/", include(urls_churn.urlpatterns)),
    path("fraud/", include(urls_fraud.urlpatterns)),
    path("segments/", include(urls_segments.urlpatterns)),
    path("credit/", include(urls_credit.urlpatterns)),
    path("simulation/", include(urls_simulation.urlpatterns)),
    path("campaigns/", include(urls_campaigns.urlpatterns)),
    path("campaign-contacts/", include(urls_campaign_channels.urlpatterns)),
]
