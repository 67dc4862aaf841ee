"""Arrears management (欠费管理): the daily run through the phases, and what a payment does to a case."""

from __future__ import annotations


def dunning_on_payment(*, account, payment) -> None:
    """A payment arrived for the account (in the caller's transaction); the dunning issue work fills this in."""
