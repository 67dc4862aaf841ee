"""Analytics pages: churn (filled by its module owner)."""

urlpatterns: list = []
