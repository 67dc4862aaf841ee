"""Billing staff pages under /billing/: feed batches, collection work lists, payments at the counter."""

from django.urls import include, path

urlpatterns = [
    path("feeds/", include("billing_sync.feed_urls")),
    path("collections/", include("billing_sync.collection_urls")),
    path("payments/", include("billing_sync.payment_urls")),
    path("payment-provider/", include("billing_sync.provider_urls")),
]
