"""A customer's request to delete their personal data (个人信息删除, PIPL art. 47): the party is anonymized.

Name, ID-card number, birth date and gender, phone numbers and e-mail addresses, the free text of postal addresses and
of install addresses, callback numbers, the recipient and text of SMS sent to their phones and the portal log-in go;
bills, payments, orders, invoices and the products' history stay (the law requires the financial records), now under
a stable pseudonym. Past audit entries keep what was done and by whom, with the erased values replaced. Writes bypass
the model audit hook on purpose: it would copy the erased values into the audit log once more.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record

from .models import ContactMedium, Customer, Party
from .privacy import mask_phone

ERASED = "[erased]"
ADDRESS_PLACEHOLDER = "（已注销）"
# Fields whose values are replaced in past audit entries of the party, its contacts and its customers.
_PERSONAL_FIELDS = frozenset({"name", "id_number", "birth_date", "gender", "value", "install_address", "phone"})


class AnonymizeRefused(ValueError):
    """The party cannot be anonymized now (a live service, an organisation, no request reference)."""


def pseudonym(party_id: int) -> str:
    """The stable name an anonymized party keeps: 已注销客户 #<party id>."""
    return f"已注销客户 #{party_id}"


def _pseudo_id_number(party_id: int) -> str:
    # Unique and 18 characters like an ID number, but never a valid one (it starts with letters).
    return f"ANON{party_id:014d}"


def _live_products(party: Party) -> int:
    from orders.models import Product

    return Product.objects.filter(customer__party=party).exclude(status=Product.Status.TERMINATED).count()


def _scrub_audit_entries(*, party: Party, contact_ids: list[int], customers: list[Customer]) -> int:
    """Replace the erased values in the audit log's past entries about the party; returns how many changed."""
    condition = Q(object_type="customers.party", object_id=str(party.pk))
    if contact_ids:
        condition |= Q(object_type="customers.contactmedium", object_id__in=[str(pk) for pk in contact_ids])
    if customers:
        condition |= Q(object_type="customers.customer", object_id__in=[str(c.pk) for c in customers])
    changed = 0
    for entry in AuditEntry.objects.filter(condition).only("pk", "object_type", "object_repr", "changes"):
        changes = {
            name: ([ERASED if v not in (None, "") else v for v in values] if name in _PERSONAL_FIELDS else values)
            for name, values in (entry.changes or {}).items()
        }
        if entry.object_type == "customers.customer":
            number = next((c.customer_no for c in customers if str(c.pk) == entry.object_id), "")
            object_repr = f"{number} {pseudonym(party.pk)}"
        elif entry.object_type == "customers.party":
            object_repr = pseudonym(party.pk)
        else:
            object_repr = ERASED
        if changes != entry.changes or object_repr != entry.object_repr:
            AuditEntry.objects.filter(pk=entry.pk).update(changes=changes, object_repr=object_repr[:200])
            changed += 1
    return changed


@transaction.atomic
def party_anonymize(*, customer: Customer, actor, request_reference: str) -> Party:
    """Anonymize the customer's party at their request (a manager's act, audited with the request's reference).

    Idempotent: a party anonymized before is returned unchanged and nothing is written.
    """
    if not actor.has_perm("accounts.approve_sensitive"):
        raise PermissionError("Only managers may erase a customer's personal data")
    reference = (request_reference or "").strip()
    if not reference:
        raise AnonymizeRefused(_("The reference of the customer's written request is required."))
    party = Party.objects.select_for_update().get(pk=customer.party_id)
    if party.anonymized_at is not None:
        return party
    if party.kind != Party.Kind.INDIVIDUAL:
        raise AnonymizeRefused(
            _("Only a person's data can be erased; an organisation's details are not personal information.")
        )
    live = _live_products(party)
    if live:
        raise AnonymizeRefused(
            _("The customer still has %(count)d service(s) that are not terminated: terminate them first.")
            % {"count": live}
        )
    customers = list(Customer.objects.filter(party=party).order_by("pk"))
    contact_ids = list(party.contact_media.values_list("pk", flat=True))
    phones = sorted(set(party.contact_media.filter(kind=ContactMedium.Kind.PHONE).values_list("value", flat=True)))
    now = timezone.now()
    Party.objects.filter(pk=party.pk).update(
        name=pseudonym(party.pk), id_number=_pseudo_id_number(party.pk), birth_date=None, gender="", anonymized_at=now
    )
    with connection.cursor() as cursor:  # raw, so the audit hook does not copy the values it deletes
        table = ContactMedium._meta.db_table
        cursor.execute(f"DELETE FROM {table} WHERE party_id = %s AND kind IN ('phone', 'email')", [party.pk])  # noqa: S608
    ContactMedium.objects.filter(party=party, kind=ContactMedium.Kind.ADDRESS).update(value=ADDRESS_PLACEHOLDER)
    _erase_in_other_apps(customers, phones=phones)
    scrubbed = _scrub_audit_entries(party=party, contact_ids=contact_ids, customers=customers)
    audit_record(
        action=AuditEntry.Action.DELETE,
        obj=party,
        object_repr=pseudonym(party.pk),
        changes={
            "erased": ["name", "id_number", "birth_date", "gender", "contact_media", "addresses", "portal_login"],
            "customers": [c.customer_no for c in customers],
            "audit_entries_scrubbed": scrubbed,
        },
        detail=f"personal data erased at the customer's request {reference}"[:500],
        actor=actor,
    )
    from .services import _publish_customer_change

    for customer_row in customers:
        transaction.on_commit(lambda c=customer_row: _publish_customer_change(c))
    party.refresh_from_db()
    return party


def _erase_in_other_apps(customers: list[Customer], *, phones: list[str]) -> None:
    """Personal data about these customers kept by other apps: portal log-ins and codes, install addresses,
    callback numbers, the texts sent to their phones. Financial records (bills, payments, invoices, orders) are kept
    as they are."""
    from callcenter.models import Callback
    from crm.messaging.models import OutboundMessage
    from orders.models import Product
    from portal.models import OneTimeCode, PortalAccount

    ids = [c.pk for c in customers]
    for account in PortalAccount.objects.select_for_update().filter(customer_id__in=ids, nominated_contact=None):
        # Inactive with an unusable password: no log-in, and every open portal session ends at its next request.
        PortalAccount.objects.filter(pk=account.pk).update(
            is_active=False, login=f"erased-{account.pk}", password=make_password(None), locked_until=None
        )
    OneTimeCode.objects.filter(customer_id__in=ids).delete()
    Product.objects.filter(customer_id__in=ids).exclude(install_address="").update(install_address=ADDRESS_PLACEHOLDER)
    Callback.objects.filter(customer_id__in=ids).update(phone="")
    for phone in phones:  # the SMS log keeps that a text went out, not to whom or what it said
        OutboundMessage.objects.filter(recipient=phone).update(
            recipient=mask_phone(phone)[:20], body=ERASED, body_after_send=""
        )
