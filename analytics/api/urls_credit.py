"""Analytics API: credit (filled by its module owner)."""

urlpatterns: list = []
