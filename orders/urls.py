"""Ordering pages, mounted under /orders/ (namespace ``orders``)."""

from .views import counter, dispatch, field, reports

app_name = "orders"
urlpatterns = [*counter.urlpatterns, *dispatch.urlpatterns, *field.urlpatterns, *reports.urlpatterns]
