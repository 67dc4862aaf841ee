"""Campaign contacts outside the analysts' pages: a clerk's or the portal's answer to a campaign prompt."""

from django.urls import path

from . import views_campaign_channels as views

urlpatterns: list = [
    path("hall/<str:customer_no>/", views.hall_prompt, name="campaign_hall_prompt"),
    path("hall/<str:customer_no>/<int:member_id>/", views.hall_prompt_answer, name="campaign_hall_prompt_answer"),
]
