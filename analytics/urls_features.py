"""Analytics pages: features (filled by its module owner)."""

urlpatterns: list = []
