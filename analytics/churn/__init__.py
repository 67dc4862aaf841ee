"""Analytics: churn."""
