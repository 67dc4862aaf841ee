"""Analytics pages: segments (filled by its module owner)."""

urlpatterns: list = []
