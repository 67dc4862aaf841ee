"""Dashboard: finance (filled by its owner)."""
