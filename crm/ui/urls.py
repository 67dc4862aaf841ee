"""Staff UI: home per role, global search, saved filters of list pages."""

from django.urls import path

from . import lists, views

app_name = "ui"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("saved-filters/<str:list_key>/save", lists.saved_filter_save_view, name="saved_filter_save"),
    path("exports/", views.export_approvals, name="export_approvals"),
    path("exports/request", views.export_approval_request, name="export_approval_request"),
    path("exports/<int:pk>/decide", views.export_approval_decide, name="export_approval_decide"),
    path("saved-filters/<int:pk>/delete", lists.saved_filter_delete_view, name="saved_filter_delete"),
]
