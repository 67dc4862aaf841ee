"""Reads for portal pages: every function takes the logged-in ``PortalAccount`` and returns only its customer's
objects. A lookup by number (``*_get``) raises Http404 for anything that is not the customer's, exactly as for a
number that does not exist, so guessing numbers in URLs tells nothing.

Later portal pages (bills, usage details, payments, orders, service) build on these: add a reader here rather than
filtering by customer in a view.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from billing_sync.models import CustomerBill, OnlinePayment, Payment, UsageMonthly, UsageRecord
from billing_sync.selectors import customer as billing
from callcenter.models import TroubleTicket
from callcenter.models.tickets import OPEN_TICKET_STATUSES
from customers.models import BillingAccount, Customer
from customers.selectors import marketing_contact_allowed
from orders.eligibility import INSTALL_KINDS, PRODUCT_STATES_FOR, kinds_of
from orders.models import (
    OPEN_ORDER_STATES,
    SELLABLE_STATUSES,
    OrderType,
    Product,
    ProductOffering,
    ProductOrder,
    StandardAddress,
)
from orders.selectors import catalog as order_catalog
from orders.selectors import ordering as order_ordering

from .models import PortalAccount

TENTH = Decimal("0.1")
OFFERS_CHANNEL = "portal"  # the opt-out channel the portal's offers respect (customers.marketing_opt_outs)


def _own(queryset: QuerySet, **lookup):
    """One object of an already customer-filtered queryset, or Http404 (the same for others' and unknown ones)."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404("Not found.")
    return obj


def portal_customer(account: PortalAccount) -> Customer:
    """The customer the account belongs to (the middleware loaded it with its party)."""
    return account.customer


# --- Billing accounts, bills, payments ----------------------------------------------------------------------


def portal_billing_accounts(account: PortalAccount) -> list[BillingAccount]:
    """The customer's billing accounts, closed ones last."""
    accounts = BillingAccount.objects.filter(customer_id=account.customer_id)
    return sorted(accounts.order_by("account_no"), key=lambda a: a.status == BillingAccount.Status.CLOSED)


def portal_billing_account_get(account: PortalAccount, account_no: str) -> BillingAccount:
    return _own(BillingAccount.objects.filter(customer_id=account.customer_id), account_no=account_no)


def portal_account_summaries(account: PortalAccount, *, accounts: list[BillingAccount] | None = None) -> list:
    """Balance, arrears and what is still open on bills, per billing account (billing_sync's reader, 1–2 queries)."""
    if accounts is None:
        accounts = portal_billing_accounts(account)
    return billing.account_summaries(account.customer, accounts=accounts)


def portal_bills(account: PortalAccount) -> QuerySet[CustomerBill]:
    """The customer's bills, newest period first (with the account)."""
    bills = CustomerBill.objects.filter(customer_id=account.customer_id).select_related("account")
    return bills.order_by("-period_start", "-id")


def portal_bill_get(account: PortalAccount, bill_no: str) -> CustomerBill:
    return _own(portal_bills(account).prefetch_related("items"), bill_no=bill_no)


def portal_payments(account: PortalAccount) -> QuerySet[Payment]:
    """The customer's payments, newest first."""
    return Payment.objects.filter(customer_id=account.customer_id).select_related("account").order_by("-paid_at", "-id")


def portal_payment_get(account: PortalAccount, payment_no: str) -> Payment:
    return _own(portal_payments(account), payment_no=payment_no)


# --- Online payments (在线交费) --------------------------------------------------------------------------------


def portal_payable_summaries(account: PortalAccount) -> list:
    """The summaries of the accounts the customer can pay into (not closed), in account order."""
    accounts = [a for a in portal_billing_accounts(account) if a.status != BillingAccount.Status.CLOSED]
    return portal_account_summaries(account, accounts=accounts)


def portal_online_payment_get(account: PortalAccount, reference: str) -> OnlinePayment:
    """One of the customer's online payments by its reference, with the account and the payment it posted."""
    online = OnlinePayment.objects.filter(customer_id=account.customer_id).select_related("account", "payment")
    return _own(online, reference=reference)


def portal_payment_bills(account: PortalAccount, payment: Payment) -> list[tuple[CustomerBill, Decimal]]:
    """The customer's bills a payment paid, as (bill, amount) in the order it paid them (1 query)."""
    shares = {a["bill"]: Decimal(a["amount"]) for a in payment.allocations}
    bills = portal_bills(account).filter(bill_no__in=list(shares)) if shares else []
    by_no = {bill.bill_no: bill for bill in bills}
    return [(by_no[no], amount) for no, amount in shares.items() if no in by_no]


# --- Subscriptions and usage --------------------------------------------------------------------------------


def portal_products(account: PortalAccount) -> list[Product]:
    """The customer's live subscriptions (not terminated), bundles followed by their components."""
    return order_catalog.products_of_customer(account.customer)


def portal_product_get(account: PortalAccount, product_no: str) -> Product:
    products = Product.objects.filter(customer_id=account.customer_id).select_related("offering", "specification")
    return _own(products, product_no=product_no)


@dataclass
class MonthUsage:
    """This month's usage so far: the customer's total and one line per subscription (by product id)."""

    month: datetime.date
    total: billing.UsageMonth
    by_product: dict[int, billing.UsageMonth] = field(default_factory=dict)


def _tenths(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def _month_usage(row: UsageMonthly) -> billing.UsageMonth:
    return billing.UsageMonth(
        month=row.month, calls=row.voice_calls, minutes=_tenths(Decimal(row.voice_seconds) / 60),
        sms=row.sms_count, data_mb=_tenths(Decimal(row.data_kb) / 1024), charge=row.charge,
    )  # fmt: skip


def portal_usage_this_month(account: PortalAccount, *, today: datetime.date | None = None) -> MonthUsage:
    """This month's usage from the monthly totals the billing feed keeps up to date (1 query)."""
    first = (today or timezone.localdate()).replace(day=1)
    rows = list(UsageMonthly.objects.filter(customer_id=account.customer_id, month=first))
    by_product = {row.product_id: _month_usage(row) for row in rows}
    total = billing.UsageMonth(
        month=first,
        calls=sum(u.calls for u in by_product.values()),
        minutes=sum((u.minutes for u in by_product.values()), Decimal("0.0")),
        sms=sum(u.sms for u in by_product.values()),
        data_mb=sum((u.data_mb for u in by_product.values()), Decimal("0.0")),
        charge=sum((u.charge for u in by_product.values()), Decimal("0.00")),
    )
    return MonthUsage(month=first, total=total, by_product=by_product)


# --- Usage details (详单) ------------------------------------------------------------------------------------

USAGE_MAX_DAYS = 31  # a date range on the usage page covers at most this many days


def portal_usage_products(account: PortalAccount) -> list[Product]:
    """The subscriptions the usage page offers: live ones first, then terminated ones (their past records are still
    the customer's)."""
    products = order_catalog.products_of_customer(account.customer, include_terminated=True)
    return sorted(products, key=lambda p: p.status == Product.Status.TERMINATED)


def portal_usage_months(account: PortalAccount, product: Product) -> list[datetime.date]:
    """The months (first days) in which the customer's subscription has usage, newest first (1 query)."""
    months = UsageMonthly.objects.filter(customer_id=account.customer_id, product_id=product.pk)
    return list(months.order_by("-month").values_list("month", flat=True))


def portal_usage_records(
    account: PortalAccount,
    product: Product,
    *,
    since: datetime.datetime,
    until: datetime.datetime,
    usage_type: str = "",
    number: str = "",
) -> QuerySet[UsageRecord]:
    """The usage records of one of the customer's subscriptions in [since, until), newest first, optionally of one
    type and with the other party's number starting with ``number``.

    Product and time range let PostgreSQL prune the monthly partitions and read ``usage_product_time_idx``; the
    customer id keeps out the records of a time the number belonged to someone else."""
    if product.customer_id != account.customer_id:
        raise Http404("Not found.")
    records = UsageRecord.objects.filter(
        product_id=product.pk, customer_id=account.customer_id, started_at__gte=since, started_at__lt=until
    )
    if usage_type:
        records = records.filter(usage_type=usage_type)
    if number:
        records = records.filter(other_number__startswith=number)
    return records.order_by("-started_at", "-id")


# --- Orders and tickets -------------------------------------------------------------------------------------


def portal_orders(account: PortalAccount) -> QuerySet[ProductOrder]:
    """The customer's orders, newest first."""
    orders = ProductOrder.objects.filter(customer_id=account.customer_id).select_related("offering", "product")
    return orders.order_by("-created_at", "-id")


def portal_orders_open(account: PortalAccount, *, limit: int = 10) -> list[ProductOrder]:
    """Orders not finished yet (not completed, cancelled, rejected or failed), newest first."""
    return list(portal_orders(account).filter(state__in=OPEN_ORDER_STATES)[:limit])


def portal_order_get(account: PortalAccount, order_no: str) -> ProductOrder:
    return _own(portal_orders(account), order_no=order_no)


PORTAL_CATALOG = "portal"  # the product catalog (orders.ProductCatalog) published to the portal


def portal_catalog_offerings(account: PortalAccount) -> list[ProductOffering]:
    """Sellable offerings of the portal's catalog that the customer's class may buy, by code (bundles with their
    components' specifications)."""
    offerings = (
        ProductOffering.objects.filter(
            lifecycle_status__in=SELLABLE_STATUSES, categories__catalogs__code=PORTAL_CATALOG
        )
        .distinct()
        .select_related("specification")
        .prefetch_related("bundled_offerings__specification")
        .order_by("code")
    )
    customer_class = account.customer.customer_class
    return [o for o in offerings if not o.customer_classes or customer_class in o.customer_classes]


def portal_vas_products(account: PortalAccount) -> list[Product]:
    """The customer's live value-added services, each with ``attached_to`` (the line's number it was added to)."""
    products = Product.objects.filter(customer_id=account.customer_id, specification__kind="vas")
    products = products.exclude(status=Product.Status.TERMINATED).select_related("offering", "specification")
    found = list(products.order_by("-start_date", "-id"))
    for product in found:
        product.attached_to = next(
            (c.get("value", "") for c in product.characteristics or [] if c.get("name") == "attachedTo"), ""
        )
    return found


def portal_tickets(account: PortalAccount) -> QuerySet[TroubleTicket]:
    """The customer's fault reports and complaints, newest first."""
    tickets = TroubleTicket.objects.filter(customer_id=account.customer_id).select_related("product")
    return tickets.order_by("-created_at", "-id")


def portal_tickets_open(account: PortalAccount, *, limit: int = 10) -> list[TroubleTicket]:
    return list(portal_tickets(account).filter(status__in=OPEN_TICKET_STATUSES)[:limit])


def portal_ticket_get(account: PortalAccount, ticket_no: str) -> TroubleTicket:
    return _own(portal_tickets(account), ticket_no=ticket_no)


def portal_ticket_history(ticket: TroubleTicket) -> list:
    """A ticket's status changes, oldest first, each with ``status_label`` (the caller got the ticket through
    ``portal_ticket_get``)."""
    labels = dict(TroubleTicket.Status.choices)
    changes = list(ticket.status_changes.order_by("at", "id"))
    for change in changes:
        change.status_label = labels.get(change.to_status, change.to_status)
    return changes


def portal_open_surveys(account: PortalAccount, tickets) -> dict[int, str]:
    """Ticket id → the token of its satisfaction survey still waiting for the customer's answer (not expired)."""
    from feedback.models import SurveyInvitation
    from feedback.services import survey_expired

    invitations = SurveyInvitation.objects.filter(
        customer_id=account.customer_id, ticket_id__in=[t.pk for t in tickets], status=SurveyInvitation.Status.SENT
    ).order_by("-sent_at", "-id")
    found: dict[int, str] = {}
    for invitation in invitations:
        if not survey_expired(invitation):
            found.setdefault(invitation.ticket_id, invitation.token)
    return found


def portal_help_articles(term: str = "", *, limit: int = 50) -> list:
    """Knowledge-base articles marked public (and published), matching a term in the title, keywords or text."""
    from django.db.models import Q

    from callcenter.models import KnowledgeArticle

    articles = KnowledgeArticle.objects.filter(is_public=True, is_published=True).select_related("category")
    if term.strip():
        t = term.strip()
        articles = articles.filter(Q(title__icontains=t) | Q(keywords__icontains=t) | Q(body__icontains=t))
    return list(articles.order_by("category__sort_order", "title")[:limit])


def portal_offers_guide(account: PortalAccount) -> list[ProductOffering]:
    """The offers guide (优惠指南): the portal catalog's offerings for the customer, each with ``monthly_fee`` (None
    when it has no monthly price)."""
    offerings = portal_catalog_offerings(account)
    prices = order_catalog.monthly_prices()
    for offering in offerings:
        offering.monthly_fee = prices.get(offering.pk)
    return offerings


# --- Offers -------------------------------------------------------------------------------------------------


def portal_offers(account: PortalAccount, *, products: list[Product] | None = None, limit: int = 3) -> list:
    """Next-best offers (the same rules as the 360 page), none when the customer opted out of portal marketing."""
    if not marketing_contact_allowed(account.customer, OFFERS_CHANNEL):
        return []
    return order_ordering.next_best_offers(account.customer, products=products, limit=limit)


# --- Home ---------------------------------------------------------------------------------------------------


@dataclass
class PortalHome:
    """Everything the portal home shows, read in a fixed number of queries."""

    customer: Customer
    summaries: list
    usage: MonthUsage
    products: list[Product]
    orders: list[ProductOrder]
    tickets: list[TroubleTicket]
    offers: list


def portal_home(account: PortalAccount) -> PortalHome:
    """The home page: balances and arrears, this month's usage, subscriptions, open orders and tickets, offers."""
    products = portal_products(account)
    usage = portal_usage_this_month(account)
    for product in products:
        product.month_usage = usage.by_product.get(product.pk)
    return PortalHome(
        customer=account.customer,
        summaries=portal_account_summaries(account),
        usage=usage,
        products=products,
        orders=portal_orders_open(account),
        tickets=portal_tickets_open(account),
        offers=portal_offers(account, products=products),
    )


# --- Installation addresses and moves -----------------------------------------------------------------------


def portal_addresses_matching(account: PortalAccount, q: str, *, limit: int = 12) -> list[StandardAddress]:
    """Standard addresses (标准地址) of the customer's own region containing the typed text (search as you type)."""
    return order_ordering.addresses_matching_in_region(account.customer.region_id, q, limit=limit)


def portal_address_get(account: PortalAccount, address_id: int) -> StandardAddress:
    """One standard address of the customer's region; Http404 for another region's, as for an unknown one."""
    address = order_ordering.address_in_region(account.customer.region_id, address_id)
    if address is None:
        raise Http404("Not found.")
    return address


def portal_can_move(product: Product) -> bool:
    """Whether the customer may move (移机) the subscription online: a live line installed at an address
    (broadband, fixed line, IPTV, or a bundle with them; a bundle's component moves with its bundle)."""
    if product.status not in PRODUCT_STATES_FOR[OrderType.MOVE]:
        return False
    if product.offering.is_bundle:
        return bool(kinds_of(product.offering) & INSTALL_KINDS)
    return product.specification_id is not None and product.specification.kind in INSTALL_KINDS


def portal_move_subject(account: PortalAccount, product: Product) -> Product:
    """What a move of one of the customer's subscriptions acts on: the subscription, or the bundle of a bundled
    line (the bundle holds the port and its lines share the address); Http404 when it cannot move online."""
    if not portal_can_move(product):
        raise Http404("Not found.")
    if product.bundle_id is None:
        return product
    bundles = Product.objects.filter(customer_id=account.customer_id).select_related("offering", "specification")
    return _own(bundles, pk=product.bundle_id)
