"""Analytics: features."""
