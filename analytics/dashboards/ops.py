"""Dashboard: ops (filled by its owner)."""
