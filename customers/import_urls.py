"""Customer import pages (CSV/Excel with a dry run), mounted at /customers/imports/ by crm/urls.py."""

urlpatterns: list = []
