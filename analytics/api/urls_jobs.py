"""Analytics API: jobs (filled by its module owner)."""

urlpatterns: list = []
