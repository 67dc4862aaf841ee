"""Reads of the billing integration, with the visibility and joins each caller needs."""
