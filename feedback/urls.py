"""Feedback pages for staff, mounted under /feedback/ (namespace ``feedback``)."""

from .views import urlpatterns as staff_urlpatterns

app_name = "feedback"
urlpatterns = [*staff_urlpatterns]
