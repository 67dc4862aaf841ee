"""The call centre pages under /callcenter/; the knowledge base lives under /callcenter/knowledge/ because its list
would otherwise share the root with the agent desktop."""

from django.urls import include, path

from . import views, views_campaigns, views_knowledge

app_name = "callcenter"
urlpatterns = [
    *views.urlpatterns,
    path("knowledge/", include(views_knowledge.urlpatterns)),
    path("campaigns/", include(views_campaigns.urlpatterns)),
]
