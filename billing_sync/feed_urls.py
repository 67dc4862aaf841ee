"""Feed batch pages under /billing/feeds/."""

from django.urls import path

from .views import feeds

app_name = "billing_feeds"

urlpatterns = [
    path("", feeds.FeedBatchListView.as_view(), name="list"),
    path("<int:pk>/", feeds.feed_batch_detail_view, name="detail"),
]
