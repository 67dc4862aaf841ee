"""Analytics pages: credit (the newest scores of the model in use, with its quality and how ratings are used)."""

from django.urls import path

from . import views_credit

urlpatterns: list = [
    path("", views_credit.CreditScoreListView.as_view(), name="credit_scores"),
]
