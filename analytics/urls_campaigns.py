"""Analytics pages: campaigns (营销活动) — design, audience preview, launch and the report."""

urlpatterns: list = []
