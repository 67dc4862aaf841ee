"""Analytics API: churn (filled by its module owner)."""

urlpatterns: list = []
