"""Customer import pages (CSV/Excel with a dry run), mounted at /customers/imports/ by crm/urls.py."""

from django.urls import path

from . import import_views

app_name = "customer_imports"

urlpatterns = [
    path("", import_views.upload, name="upload"),
    path("<int:pk>/", import_views.report, name="report"),
    path("<int:pk>/errors.csv", import_views.report_csv, name="report_csv"),
    path("<int:pk>/apply", import_views.apply, name="apply"),
    path("template/<str:kind>.csv", import_views.template, name="template"),
]
