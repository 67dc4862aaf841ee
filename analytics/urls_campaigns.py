"""Analytics pages: campaigns (营销活动) — design, audience preview, launch and the report."""

from django.urls import path

from . import views_campaigns

urlpatterns = [
    path("", views_campaigns.campaign_list, name="campaigns"),
    path("new/", views_campaigns.campaign_new, name="campaign_new"),
    path("preview/", views_campaigns.campaign_preview, name="campaign_preview"),
    path("<int:pk>/", views_campaigns.campaign_detail, name="campaign"),
    path("<int:pk>/edit/", views_campaigns.campaign_edit, name="campaign_edit"),
    path("<int:pk>/launch/", views_campaigns.campaign_launch_view, name="campaign_launch"),
    path("<int:pk>/cancel/", views_campaigns.campaign_cancel_view, name="campaign_cancel"),
    path("<int:pk>/finish/", views_campaigns.campaign_finish_view, name="campaign_finish"),
    path("<int:pk>/report/", views_campaigns.campaign_report, name="campaign_report"),
]
