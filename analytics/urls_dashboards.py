"""Analytics pages: the manager dashboards and report subscriptions."""

from django.urls import path

from . import views_dashboards

urlpatterns = [
    path("", views_dashboards.dashboard_index, name="dashboards"),
    path("subscriptions/", views_dashboards.subscriptions, name="subscriptions"),
    path("<slug:key>/", views_dashboards.dashboard_page, name="dashboard"),
    path("<slug:key>/subscribe/", views_dashboards.dashboard_subscribe, name="dashboard_subscribe"),
]
