"""Analytics pages: fraud (the analyst queue, one alert, the rules with their precision)."""

from django.urls import path

from . import views_fraud

urlpatterns: list = [
    path("", views_fraud.AlertQueueView.as_view(), name="fraud_queue"),
    path("rules/", views_fraud.rules_view, name="fraud_rules"),
    path("<int:pk>/", views_fraud.alert_detail, name="fraud_alert"),
]
