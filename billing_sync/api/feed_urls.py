"""Billing feed routes (``/tmf-api/billingFeed/v1/``), mounted under /tmf-api/ by crm/urls.py."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from . import feeds

batches = SimpleRouter(trailing_slash=False)
batches.register("batch", feeds.FeedBatchViewSet, basename="tmf-billing-feed-batch")

urlpatterns = [
    path("billingFeed/v1/", include(batches.urls)),
    re_path(
        r"^billingFeed/v1/(?P<kind>(?:bills|payments|balances|usage))$",  # grouped: the schema's pattern is right
        feeds.FeedUploadView.as_view(),
        name="tmf-billing-feed-upload",
    ),
]
