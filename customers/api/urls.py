"""TMF API routes of this app, mounted under /tmf-api/ by crm/urls.py."""

urlpatterns: list = []
