"""Mounted under /tmf-api/ by crm/urls.py."""

urlpatterns: list = []
