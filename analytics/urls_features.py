"""Analytics pages: features (the feature catalogue)."""

from django.urls import path

from . import views_features

urlpatterns = [
    path("", views_features.feature_catalog, name="feature_catalog"),
]
