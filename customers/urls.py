from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("lookup/", views.cross_region_lookup, name="cross_region_lookup"),
    path("portfolio/", views.PortfolioView.as_view(), name="portfolio"),
    path("<str:customer_no>/", views.customer_view, name="detail"),
    path("<str:customer_no>/reveal", views.reveal_personal_data, name="reveal"),
    path("<str:customer_no>/level", views.service_level_pin, name="level_pin"),
    path("<str:customer_no>/erase", views.personal_data_erase, name="erase"),
    path("<str:customer_no>/opt-outs", views.marketing_opt_outs, name="opt_outs"),
    path("<str:customer_no>/portal-contacts", views.portal_contact_nominate, name="portal_contact_nominate"),
    path(
        "<str:customer_no>/portal-contacts/<int:contact_id>/remove",
        views.portal_contact_remove,
        name="portal_contact_remove",
    ),
    path("<str:customer_no>/<str:kind>/new", views.key_account_record, name="key_account_record"),
]
