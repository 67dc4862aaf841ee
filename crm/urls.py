"""Top-level URLs: staff UI, accounts, TMF API, API schema and docs, admin, health checks."""

from django.contrib import admin
from django.urls import include, path

from crm import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("crm.accounts.urls")),
    path("tmf-api/", include("crm.api.urls")),
    path("tmf-api/", include("customers.api.urls")),
    path("tmf-api/", include("orders.api.urls")),
    path("tmf-api/", include("callcenter.api.urls")),
    path("tmf-api/", include("billing_sync.api.urls")),
    path("tmf-api/", include("billing_sync.api.feed_urls")),
    path("tmf-api/", include("analytics.api.urls")),
    path("api/", include("crm.api.docs_urls")),
    path("audit/", include("crm.audit.urls")),
    path("ops/", include("crm.api.ops_urls")),
    path("customers/imports/", include("customers.import_urls")),
    path("customers/", include("customers.urls")),
    path("orders/", include("orders.urls")),
    path("feedback/", include("feedback.urls")),
    path("portal/", include("feedback.portal_urls")),
    path("portal/", include("portal.urls")),
    path("callcenter/", include("callcenter.urls")),
    path("billing/", include("billing_sync.urls")),
    path("analytics/", include("analytics.urls")),
    path("", include("crm.ui.urls")),
]

handler403 = "crm.api.exceptions.handler403"
handler404 = "crm.api.exceptions.handler404"
handler500 = "crm.api.exceptions.handler500"
