from django.urls import path

from . import ops_views

app_name = "api-ops"

urlpatterns = [
    path("event-deliveries/", ops_views.EventDeliveryListView.as_view(), name="event_deliveries"),
    path("event-deliveries/<int:pk>/replay", ops_views.event_delivery_replay_view, name="event_delivery_replay"),
    path(
        "event-deliveries/replay-failed",
        ops_views.event_deliveries_replay_failed_view,
        name="event_deliveries_replay_failed",
    ),
]
