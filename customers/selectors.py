"""Reads of customers, always within the user's visibility scope (region, grid)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from crm.accounts.selectors import visibility_scope

from .identity import ID_RE, USCC_RE
from .models import Customer, PartyInteraction

MOBILE_RE = re.compile(r"^1\d{10}$")
CUSTOMER_NO_RE = re.compile(r"^C\d{6,}$", re.IGNORECASE)
ACCOUNT_NO_RE = re.compile(r"^A\d{6,}$", re.IGNORECASE)
MIN_NAME_LENGTH = 2


def customers_visible_to(user) -> QuerySet[Customer]:
    """Customers of the user's region (and grid, for grid-bound staff); province-level staff see all."""
    return visibility_scope(user).filter(Customer.objects.all(), grid_lookup="grid_id")


def customer_search(user, query: str, *, limit: int = 20) -> list[Customer]:
    """Find customers by service number, ID-card number, customer or account number, credit code, or name.

    Exact keys are recognised by their shape and use unique indexes; anything else searches person and
    organisation names (2 characters at least).
    """
    query = query.strip()
    upper = query.upper()
    if MOBILE_RE.match(query) or (query.isdigit() and 7 <= len(query) <= 12):
        condition = Q(party__contact_media__kind="phone", party__contact_media__value=query)
    elif ID_RE.match(upper):
        condition = Q(party__id_number=upper)
    elif CUSTOMER_NO_RE.match(query):
        condition = Q(customer_no=upper)
    elif ACCOUNT_NO_RE.match(query):
        condition = Q(accounts__account_no=upper)
    elif USCC_RE.match(upper):
        condition = Q(party__credit_code=upper)
    elif len(query) >= MIN_NAME_LENGTH:
        condition = Q(party__name__contains=query)
    else:
        return []
    found = (
        customers_visible_to(user)
        .filter(condition)
        .select_related("party", "region")
        .prefetch_related("party__contact_media")
        .distinct()
    )
    return list(found.order_by("customer_no")[:limit])


def customer_360(user, customer_no: str) -> Customer:
    """One customer for the 360 view, with everything its panels show, in a fixed number of queries.

    Raises Customer.DoesNotExist when the customer is outside the user's scope (shown as 404, not 403,
    so a guessed number reveals nothing).
    """
    return (
        customers_visible_to(user)
        .select_related("party", "region", "area", "grid", "account_manager")
        .prefetch_related("party__contact_media", "accounts")
        .get(customer_no=customer_no.upper())
    )


def customer_timeline(customer: Customer, *, channel: str = "", interaction_type: str = "", limit: int = 50):
    """The customer's contacts in every channel, newest first, optionally narrowed to a channel or type."""
    interactions = PartyInteraction.objects.filter(customer=customer).select_related("staff")
    if channel:
        interactions = interactions.filter(channel=channel)
    if interaction_type:
        interactions = interactions.filter(interaction_type=interaction_type)
    return list(interactions.order_by("-occurred_at", "-id")[:limit])
