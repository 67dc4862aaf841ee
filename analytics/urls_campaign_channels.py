"""Campaign contacts outside the analysts' pages: a clerk's or the portal's answer to a campaign prompt."""

urlpatterns: list = []
