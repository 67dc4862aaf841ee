"""Dashboard: competitor (filled by its owner)."""
