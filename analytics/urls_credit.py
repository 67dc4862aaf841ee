"""Analytics pages: credit (filled by its module owner)."""

urlpatterns: list = []
