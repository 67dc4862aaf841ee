from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("<str:customer_no>/", views.customer_view, name="detail"),
    path("<str:customer_no>/reveal", views.reveal_personal_data, name="reveal"),
]
