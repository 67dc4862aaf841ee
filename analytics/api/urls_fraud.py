"""Analytics API: fraud (filled by its module owner)."""

urlpatterns: list = []
