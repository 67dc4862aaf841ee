"""Reads for the portal's privacy page: the customer's marketing consent, who at the operator touched their data
(region and role only, never a name) and everything the operator keeps about them, for the download.

Like ``portal.selectors`` every function takes the logged-in ``PortalAccount`` and reads only its customer's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from billing_sync.models import BillItem, CustomerBill, Payment
from callcenter.models import TroubleTicket
from crm.accounts.models import Role
from crm.audit.models import AuditEntry
from crm.audit.services import field_values
from customers.models import BillingAccount, ContactMedium, MarketingChannel, PartyInteraction
from orders.models import Product, ProductOrder, ProductOrderItem

from .models import PortalAccount

BILLS_IN_DOWNLOAD = 12

# What the access log shows: views of personal data, exports, changes and cross-region lookups by staff.
ACCESS_ACTIONS = (
    AuditEntry.Action.VIEW_PERSONAL_DATA,
    AuditEntry.Action.EXPORT,
    AuditEntry.Action.CREATE,
    AuditEntry.Action.UPDATE,
    AuditEntry.Action.DELETE,
    AuditEntry.Action.CROSS_REGION_LOOKUP,
)


@dataclass(frozen=True)
class ConsentChannel:
    value: str
    label: str
    allowed: bool


def portal_marketing_consent(account: PortalAccount) -> list[ConsentChannel]:
    """Every marketing channel with whether the customer allows marketing in it (not opted out)."""
    opted_out = set(account.customer.marketing_opt_outs or [])
    return [ConsentChannel(value, label, value not in opted_out) for value, label in MarketingChannel.choices]


def portal_access_log(account: PortalAccount) -> QuerySet:
    """Staff audit entries about the customer (their customer record, party, contact media, billing accounts, and
    cross-region lookups that found them), newest first, as rows of time, action, channel, the staff member's role
    and region name. The actor's name and username are not selected at all, so no page can show them."""
    customer = account.customer
    about = (
        Q(object_type="customers.customer", object_id=str(customer.pk))
        | Q(object_type="customers.party", object_id=str(customer.party_id))
        | Q(
            object_type="customers.contactmedium",
            object_id__in=[
                str(pk) for pk in ContactMedium.objects.filter(party_id=customer.party_id).values_list("pk", flat=True)
            ],
        )
        | Q(
            object_type="customers.billingaccount",
            object_id__in=[
                str(pk) for pk in BillingAccount.objects.filter(customer_id=customer.pk).values_list("pk", flat=True)
            ],
        )
        | Q(action=AuditEntry.Action.CROSS_REGION_LOOKUP, changes__found__contains=[customer.customer_no])
    )
    entries = AuditEntry.objects.filter(about, actor__isnull=False, action__in=ACCESS_ACTIONS)
    entries = entries.exclude(channel=AuditEntry.Channel.PORTAL)
    return entries.order_by("-at", "-id").values(
        "id", "at", "action", "channel", "actor__staff_profile__role", "actor__staff_profile__region__name"
    )


@dataclass(frozen=True)
class AccessRow:
    at: object
    action: str
    channel: str
    role: str
    region: str


def access_rows(rows) -> list[AccessRow]:
    """Page rows of ``portal_access_log`` with display labels (province-level staff have no region)."""
    actions, channels, roles = dict(AuditEntry.Action.choices), dict(AuditEntry.Channel.choices), dict(Role.choices)
    return [
        AccessRow(
            at=row["at"],
            action=str(actions.get(row["action"], row["action"])),
            channel=str(channels.get(row["channel"], row["channel"])),
            role=str(roles.get(row["actor__staff_profile__role"] or "", "")),
            region=row["actor__staff_profile__region__name"] or "",
        )
        for row in rows
    ]


def _rows(queryset, exclude=()) -> list[dict]:
    return [field_values(obj, exclude=exclude) for obj in queryset]


def portal_personal_data(account: PortalAccount) -> dict:
    """Everything kept about the customer, as JSON-safe dicts: party, contact media, customer, billing accounts,
    subscriptions, orders with items, tickets, the last 12 bills with items, payments and interactions."""
    customer = account.customer
    party = customer.party
    bills = list(
        CustomerBill.objects.filter(customer_id=customer.pk).order_by("-period_start", "-id")[:BILLS_IN_DOWNLOAD]
    )
    orders = list(ProductOrder.objects.filter(customer_id=customer.pk).order_by("-id"))
    return {
        "generated_at": timezone.now().isoformat(),
        "party": field_values(party),
        "contact_media": _rows(ContactMedium.objects.filter(party_id=party.pk).order_by("id")),
        "customers": [field_values(customer)],
        "accounts": _rows(BillingAccount.objects.filter(customer_id=customer.pk).order_by("account_no")),
        "subscriptions": _rows(Product.objects.filter(customer_id=customer.pk).order_by("product_no")),
        "orders": _rows(orders),
        "order_items": _rows(ProductOrderItem.objects.filter(order__in=orders).order_by("order_id", "id")),
        "tickets": _rows(TroubleTicket.objects.filter(customer_id=customer.pk).order_by("-id")),
        "bills": _rows(bills),
        "bill_items": _rows(BillItem.objects.filter(bill__in=bills).order_by("bill_id", "id")),
        "payments": _rows(Payment.objects.filter(customer_id=customer.pk).order_by("-paid_at", "-id")),
        "interactions": _rows(PartyInteraction.objects.filter(customer_id=customer.pk).order_by("-occurred_at", "-id")),
    }
