"""Analytics pages: fraud (filled by its module owner)."""

urlpatterns: list = []
