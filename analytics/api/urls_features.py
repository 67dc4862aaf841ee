"""Analytics API: features (filled by its module owner)."""

urlpatterns: list = []
