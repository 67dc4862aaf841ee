"""Analytics pages: jobs (filled by its module owner)."""

urlpatterns: list = []
