"""Analytics: segments."""
