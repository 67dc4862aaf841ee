"""TMF API routes (filled in by the TMF conventions work)."""

urlpatterns: list = []
