"""TMF621 routes and the telephony system's incomingCall, mounted under /tmf-api/ by crm/urls.py."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import views

tickets = SimpleRouter(trailing_slash=False)
tickets.register("troubleTicket", views.TroubleTicketViewSet, basename="tmf621-ticket")

urlpatterns = [
    path("troubleTicket/v4/incomingCall", views.IncomingCallView.as_view(), name="tmf621-incoming-call"),
    path("troubleTicket/v4/", include(tickets.urls)),
]
