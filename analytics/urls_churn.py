"""Analytics pages: churn (the retention work list)."""

from django.urls import path

from . import views_churn

urlpatterns = [
    path("worklist/", views_churn.ChurnWorklistView.as_view(), name="churn_worklist"),
]
