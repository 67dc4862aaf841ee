"""Dashboard: network (filled by its owner)."""
