"""Collection work lists under /billing/collections/: cases by age, open tasks, one case and its actions."""

from django.urls import path

from .views import collections

app_name = "collections"

urlpatterns = [
    path("", collections.CaseListView.as_view(), name="list"),
    path("tasks/", collections.TaskListView.as_view(), name="tasks"),
    path("tasks/<int:pk>/", collections.task_detail, name="task"),
    path("<int:pk>/", collections.case_detail, name="case"),
]
