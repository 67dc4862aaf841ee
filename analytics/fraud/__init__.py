"""Analytics: fraud."""
