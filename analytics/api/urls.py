"""Analytics API under /tmf-api/analytics/v1/ (scope analytics:read): one URL module per topic."""

from django.urls import include, path

from . import urls_campaigns, urls_churn, urls_credit, urls_features, urls_fraud, urls_jobs, urls_segments

urlpatterns = [
    path(
        "analytics/v1/",
        include(
            urls_jobs.urlpatterns
            + urls_features.urlpatterns
            + urls_churn.urlpatterns
            + urls_fraud.urlpatterns
            + urls_segments.urlpatterns
            + urls_credit.urlpatterns
            + urls_campaigns.urlpatterns
        ),
    ),
]
