"""The customer's survey form, mounted under /portal/ (namespace ``portal_survey``): no login, a token link."""

from .portal_views import urlpatterns as survey_urlpatterns

app_name = "portal_survey"
urlpatterns = [*survey_urlpatterns]
