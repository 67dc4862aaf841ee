"""Analytics API: segments (filled by its module owner)."""

urlpatterns: list = []
