"""Analytics pages: segmentation (the latest run's clusters and charts; RFM segments by region)."""

from django.urls import path

from . import views_segments

urlpatterns: list = [
    path("", views_segments.SegmentProfileListView.as_view(), name="segments"),
    path("regions/", views_segments.SegmentRegionListView.as_view(), name="segment_regions"),
]
