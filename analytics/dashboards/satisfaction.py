"""Dashboard: satisfaction (filled by its owner)."""
