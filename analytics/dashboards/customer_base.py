"""Dashboard: customer_base (filled by its owner)."""
