"""Portal pages under /portal/ (namespace ``portal``); the survey link /portal/survey/<token>/ is feedback's."""

from django.urls import path

from . import views, views_bills, views_orders, views_pay, views_privacy, views_service

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("offers/<int:member_id>/answer/", views.campaign_answer, name="campaign_answer"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/verify/", views.signup_verify, name="signup_verify"),
    path("signup/contact/", views.signup_contact, name="signup_contact"),
    path("signup/contact/verify/", views.signup_contact_verify, name="signup_contact_verify"),
    path("reset/", views.reset, name="reset"),
    path("reset/verify/", views.reset_verify, name="reset_verify"),
    path("bills/", views_bills.bills, name="bills"),
    path("bills/<str:bill_no>/", views_bills.bill, name="bill"),
    path("bills/<str:bill_no>/pdf/", views_bills.bill_pdf, name="bill_pdf"),
    path("usage/", views_bills.usage, name="usage"),
    path("usage/download/", views_bills.usage_csv, name="usage_csv"),
    path("payments/", views_bills.payments, name="payments"),
    path("pay/", views_pay.pay, name="pay"),
    path("pay/<str:reference>/", views_pay.pay_outcome, name="pay_outcome"),
    path("tickets/", views_service.tickets, name="tickets"),
    path("tickets/new/", views_service.ticket_new, name="ticket_new"),
    path("tickets/<str:ticket_no>/", views_service.ticket, name="ticket"),
    path("help/", views_service.help_page, name="help"),
    path("privacy/", views_privacy.privacy, name="privacy"),
    path("privacy/consent/", views_privacy.consent, name="privacy_consent"),
    path("privacy/download/", views_privacy.download, name="privacy_download"),
    path("orders/", views_orders.orders, name="orders"),
    path("orders/new/", views_orders.order_new, name="order_new"),
    path("orders/install/", views_orders.order_install, name="order_install"),
    path("orders/addresses/", views_orders.addresses, name="order_addresses"),
    path("orders/<str:order_no>/cancel/", views_orders.order_cancel, name="order_cancel"),
    path("vas/", views_orders.vas, name="vas"),
    path("products/<str:product_no>/<str:action>/", views_orders.product_order, name="product_order"),
]
