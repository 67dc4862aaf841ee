"""Dashboard: consumption (filled by its owner)."""
