"""Writes of the billing integration: feeds, payments, balances, arrears management and collection."""
