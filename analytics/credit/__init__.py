"""Analytics: credit."""
