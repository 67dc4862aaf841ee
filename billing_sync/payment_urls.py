"""Payments at the counter under /billing/payments/, and the usage part of the customer 360 page."""

from django.urls import path

from .views import customer, payments

app_name = "payments"

urlpatterns = [
    path("", payments.payment_index, name="index"),
    path("new/<str:account_no>/", payments.payment_new, name="new"),
    path("<str:payment_no>/receipt/", payments.payment_receipt, name="receipt"),
    path("usage/<str:customer_no>/", customer.customer_usage, name="customer_usage"),
]
