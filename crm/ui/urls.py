"""Staff UI: home per role, global search, saved filters of list pages."""

from django.urls import path

from . import lists, views

app_name = "ui"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("saved-filters/<str:list_key>/save", lists.saved_filter_save_view, name="saved_filter_save"),
    path("saved-filters/<int:pk>/delete", lists.saved_filter_delete_view, name="saved_filter_delete"),
]
