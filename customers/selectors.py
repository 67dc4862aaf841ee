"""Reads of customers, always within the user's visibility scope (region, grid)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection

from django.contrib.postgres.fields import ArrayField
from django.db import connection
from django.db.models import Count, Func, Q, QuerySet, TextField
from django.utils import timezone

from crm.accounts.selectors import visibility_scope

from .identity import ID_RE, USCC_RE
from .models import (
    AccountVisit,
    CommunicationPlan,
    ContactMedium,
    Customer,
    KeyAccountContract,
    Party,
    PartyInteraction,
    ServiceLevelChange,
)

MOBILE_RE = re.compile(r"^1\d{10}$")
CUSTOMER_NO_RE = re.compile(r"^C\d{6,}$", re.IGNORECASE)
ACCOUNT_NO_RE = re.compile(r"^A\d{6,}$", re.IGNORECASE)
MIN_NAME_LENGTH = 2


def customers_visible_to(user) -> QuerySet[Customer]:
    """Customers of the user's region (and grid, for grid-bound staff); province-level staff see all."""
    return visibility_scope(user).filter(Customer.objects.all(), grid_lookup="grid_id")


SERVICE_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._-]{5,31}$")


def is_unique_key(query: str) -> bool:
    """Whether ``query`` is shaped like an identifier that names one customer and nothing else in the CRM: a mobile
    number, an ID-card, customer or account number, a credit code. The search box then asks only the customers."""
    query, upper = query.strip(), query.strip().upper()
    return bool(
        MOBILE_RE.match(query)
        or ID_RE.match(upper)
        or CUSTOMER_NO_RE.match(query)
        or ACCOUNT_NO_RE.match(query)
        or USCC_RE.match(upper)
    )


def _exact_key_condition(query: str) -> Q | None:
    """The condition for a query shaped like one of the exact keys, or None when it is not one.

    Each condition is index lookups that match a customer at most once (no reverse join that repeats rows), so the
    caller reads the customers in one query without DISTINCT.
    """
    upper = query.upper()
    if MOBILE_RE.match(query) or (query.isdigit() and 7 <= len(query) <= 12):
        # A phone on file, or the service number of a live subscription (mobile, fixed line). Each is an index lookup;
        # ORed in one query across the two joins PostgreSQL can use neither index and hash-joins whole tables. A UNION
        # in one subquery keeps both index lookups and costs no extra round trip.
        by_phone = Customer.objects.filter(party__contact_media__kind="phone", party__contact_media__value=query)
        return Q(id__in=_ids(by_phone).union(_ids(Customer.objects.filter(_live_service_number(query)))))
    if ID_RE.match(upper):
        return Q(party__id_number=upper)
    if CUSTOMER_NO_RE.match(query):
        return Q(customer_no=upper)
    if ACCOUNT_NO_RE.match(query):
        return Q(accounts__account_no=upper)  # unique: the join yields one row at most
    if USCC_RE.match(upper):
        return Q(party__credit_code=upper)
    if SERVICE_NUMBER_RE.match(query) and any(ch.isdigit() for ch in query):
        return Q(id__in=_ids(Customer.objects.filter(_live_service_number(query))))  # broadband accounts, DIA circuits
    return None


def _ids(customers: QuerySet[Customer]) -> QuerySet[Customer]:
    return customers.order_by().values("id")


def _live_service_number(number: str) -> Q:
    return Q(products__service_number=number) & ~Q(products__status="terminated")


def customer_search(user, query: str, *, limit: int = 20) -> list[Customer]:
    """Find customers by service number, ID-card number, customer or account number, credit code, or name.

    Exact keys are recognised by their shape and use unique indexes; anything else searches person and
    organisation names (2 characters at least; a bigram index serves 2 characters and a trigram index longer ones).
    """
    query = query.strip()
    condition = _exact_key_condition(query)
    if condition is not None:
        return _found_by_key(customers_visible_to(user).filter(condition), limit)
    if len(query) < MIN_NAME_LENGTH:
        return []
    return _found(customers_visible_to(user).filter(_search_name_condition(query)), limit)


# Parties read for one search-box query of 3 characters or more, at most: a name part that common (“有限公司”) is
# refined by the user anyway, and reading that many stays under about 0.1 s at a million customers.
NAME_MATCHES_READ = 5_000


def _search_name_condition(query: str) -> Q:
    """The search box's name condition. From 3 characters on PostgreSQL, the parties whose name contains ``query``
    are read first, by their trigram index, in a subquery the planner cannot merge (its LIMIT): joined the plain way,
    it expected thousands of matches where there were tens (an organisation's 4 characters), walked the customers in
    id order to find the first 100 of the region, and read most of them (0.6-0.8 s at 1M, one search in twenty)."""
    if len(query) < 3 or connection.vendor != "postgresql":
        return _name_condition(query)
    parties = Party.objects.filter(name__contains=query).order_by().values("id")[:NAME_MATCHES_READ]
    return Q(party__in=parties)


def customer_text_condition(query: str) -> Q:
    """The "name or number" filter of the customer lists: an exact key or a name containing ``query``.

    The same index-served conditions as ``customer_search``. A key-shaped query also matches names containing it,
    as the lists always did, through a UNION of the two index lookups: ORing conditions on the joined tables would
    scan every customer.
    """
    query = query.strip()
    key = _exact_key_condition(query)
    if key is None:
        return _name_condition(query)
    by_name = Customer.objects.filter(_name_condition(query))
    return Q(id__in=_ids(Customer.objects.filter(key)).union(_ids(by_name)))


class NameBigrams(Func):
    """``customers_name_bigrams(name)``: the distinct 2-character substrings of a name (function and GIN index from
    migration 0008), so a 2-character query reads the index instead of scanning it as a trigram pattern would."""

    function = "customers_name_bigrams"
    output_field = ArrayField(TextField())


def _name_condition(query: str) -> Q:
    """Names containing ``query``: trigram-indexed from 3 characters, bigram-indexed at exactly 2 (PostgreSQL)."""
    condition = Q(party__name__contains=query)
    if len(query) == 2 and connection.vendor == "postgresql":
        bigram_match = Party.objects.alias(bigrams=NameBigrams("name")).filter(bigrams__contains=[query])
        condition &= Q(party__in=bigram_match.values("id"))
    return condition


def customer_search_everywhere(query: str, *, limit: int = 10) -> list[Customer]:
    """Exact-key search across every region, for the audited cross-region lookup only (never by name)."""
    condition = _exact_key_condition(query.strip())
    if condition is None:
        return []
    return _found_by_key(Customer.objects.filter(condition), limit)


def _found_by_key(customers: QuerySet[Customer], limit: int) -> list[Customer]:
    """The few customers an exact key matched, in one query (and one for their contacts)."""
    found = customers.select_related("party", "region").prefetch_related("party__contact_media").order_by("customer_no")
    return list(found[:limit])


def _found(customers: QuerySet[Customer], limit: int) -> list[Customer]:
    ids = list(customers.values_list("id", flat=True).distinct()[: limit * 5])
    found = (
        Customer.objects.filter(id__in=ids)
        .select_related("party", "region")
        .prefetch_related("party__contact_media")
        .order_by("customer_no")
    )
    return list(found[:limit])


def customer_360(user, customer_no: str, *, cross_region_grants: Collection[str] = ()) -> Customer:
    """One customer for the 360 view, with everything its panels show, in a fixed number of queries.

    Raises Customer.DoesNotExist when the customer is outside the user's scope (shown as 404, not 403,
    so a guessed number reveals nothing) unless an audited cross-region lookup granted it for a while.
    """
    customer_no = customer_no.upper()
    base = Customer.objects.all() if customer_no in cross_region_grants else customers_visible_to(user)
    return (
        base.select_related("party", "region", "area", "grid", "account_manager")
        .prefetch_related("party__contact_media", "accounts")
        .get(customer_no=customer_no)
    )


def customer_timeline(customer: Customer, *, channel: str = "", interaction_type: str = "", limit: int = 50):
    """The customer's contacts in every channel, newest first, optionally narrowed to a channel or type."""
    interactions = PartyInteraction.objects.filter(customer=customer).select_related("staff")
    if channel:
        interactions = interactions.filter(channel=channel)
    if interaction_type:
        interactions = interactions.filter(interaction_type=interaction_type)
    return list(interactions.order_by("-occurred_at", "-id")[:limit])


def level_history(customer: Customer, *, limit: int = 12) -> list[ServiceLevelChange]:
    return list(customer.level_changes.select_related("actor").order_by("-changed_at", "-id")[:limit])


def marketing_contact_allowed(customer: Customer, channel: str) -> bool:
    """May we send this customer marketing in ``channel``? Every campaign, care and outbound list asks this.

    Service messages (an order's progress, a fault's repair) are not marketing and are not blocked here.
    """
    return channel not in (customer.marketing_opt_outs or [])


def opted_out_condition(channel: str) -> Q:
    """Customers who opted out of ``channel`` (a text match on the JSON list works on PostgreSQL and SQLite)."""
    return Q(marketing_opt_outs__icontains=f'"{channel}"')


def customers_contactable(customers: QuerySet[Customer], channel: str) -> QuerySet[Customer]:
    """The same rule as ``marketing_contact_allowed`` for a whole list, in the database."""
    return customers.exclude(opted_out_condition(channel))


def key_account_portfolio(user) -> QuerySet[Customer]:
    """An account manager's key accounts (a manager or admin sees every key account in their scope), with
    open interactions, contracts due for renewal and the next planned contact."""
    today = timezone.localdate()
    customers = customers_visible_to(user).filter(customer_class=Customer.CustomerClass.KEY_ACCOUNT)
    if not user.has_perm("accounts.approve_sensitive"):
        customers = customers.filter(account_manager=user)
    return customers.select_related("party", "region").annotate(
        open_interactions=Count("interactions", filter=Q(interactions__status="open"), distinct=True),
        renewals_due=Count(
            "contracts",
            filter=Q(contracts__status="active", contracts__end_date__lte=today + datetime.timedelta(days=90)),
            distinct=True,
        ),
    )


def contracts_due(user, *, within_days: int = 90) -> QuerySet[KeyAccountContract]:
    """Contracts in force that end within ``within_days`` days, of the user's portfolio, soonest first."""
    today = timezone.localdate()
    portfolio = key_account_portfolio(user).values("id")
    return (
        KeyAccountContract.objects.filter(
            customer_id__in=portfolio, status="active", end_date__lte=today + datetime.timedelta(days=within_days)
        )
        .select_related("customer", "customer__party")
        .order_by("end_date", "id")
    )


def communication_plans_due(user, *, within_days: int = 14) -> QuerySet[CommunicationPlan]:
    today = timezone.localdate()
    portfolio = key_account_portfolio(user).values("id")
    return (
        CommunicationPlan.objects.filter(
            customer_id__in=portfolio, is_active=True, next_due_on__lte=today + datetime.timedelta(days=within_days)
        )
        .select_related("customer", "customer__party")
        .order_by("next_due_on", "id")
    )


def key_account_panels(customer: Customer) -> dict[str, list]:
    """Contracts, recent visits and communication plans of a key account, for its 360 view."""
    if customer.customer_class != Customer.CustomerClass.KEY_ACCOUNT:
        return {"contracts": [], "visits": [], "plans": []}
    return {
        "contracts": list(customer.contracts.order_by("-end_date", "-id")[:10]),
        "visits": list(AccountVisit.objects.filter(customer=customer).select_related("visitor")[:10]),
        "plans": list(customer.communication_plans.filter(is_active=True).select_related("owner")[:10]),
    }


def preferred_phones(party_ids) -> dict[int, str]:
    """Each party's phone to text: the preferred one, else the first on file (one query for many parties)."""
    phones: dict[int, str] = {}
    rows = (
        ContactMedium.objects.filter(party_id__in=party_ids, kind="phone")
        .order_by("party_id", "-is_preferred", "id")
        .values_list("party_id", "value")
    )
    for party_id, value in rows:
        phones.setdefault(party_id, value)
    return phones


def preferred_phone(customer: Customer) -> str:
    """The phone to text a customer on (empty when none is on file)."""
    return preferred_phones([customer.party_id]).get(customer.party_id, "")
