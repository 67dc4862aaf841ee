"""/tmf-api/: each app's API mounts at <apiName>/v4/ (registered in crm/api/registry.py); the hub is shared."""

from django.urls import path

from .views import HubDetailView, HubView

urlpatterns = [
    path("<str:api_name>/v4/hub", HubView.as_view(), name="tmf-hub"),
    path("<str:api_name>/v4/hub/<int:pk>", HubDetailView.as_view(), name="tmf-hub-detail"),
]
