"""Offer simulation (优惠策略仿真): re-rate a past month of real usage under a proposed tariff."""
