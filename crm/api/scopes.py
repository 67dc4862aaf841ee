"""The API scopes a token (or a role's session) may carry. `all` grants every scope."""

from __future__ import annotations

SCOPES: dict[str, str] = {
    "customer:read": "Read customers, parties, accounts and interactions",
    "customer:write": "Create and change customers, parties, accounts and interactions",
    "catalog:read": "Read the product catalog",
    "catalog:write": "Maintain the product catalog",
    "order:read": "Read product orders, work orders and product inventory",
    "order:write": "Create and change product orders",
    "ticket:read": "Read trouble tickets",
    "ticket:write": "Create and change trouble tickets",
    "billing:read": "Read bills, usage and balances",
    "billing:feed": "Push billing feeds (bills, payments, balances, usage)",
    "analytics:read": "Read analytical results",
    "analytics:write": "Start analytics jobs",
    "telephony:write": "Send call events from the telephony system",
}
ALL = "all"


def expand(scopes: set[str] | list[str]) -> frozenset[str]:
    """The effective scopes: `all` becomes every scope."""
    scopes = set(scopes)
    if ALL in scopes:
        return frozenset(SCOPES)
    return frozenset(scopes)


def validate(scopes: list[str]) -> list[str]:
    """Return the unknown names among ``scopes`` (an empty list when all are known)."""
    return [s for s in scopes if s != ALL and s not in SCOPES]
