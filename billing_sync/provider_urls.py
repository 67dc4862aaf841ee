"""Payment-provider endpoints under /billing/: the notification URL providers call, and the simulated provider."""

from django.urls import path

from .views import provider

app_name = "payment_provider"

urlpatterns = [
    path("notify/", provider.provider_notify, name="notify"),
    path("simulated/<str:reference>/", provider.simulated_provider, name="simulated"),
]
