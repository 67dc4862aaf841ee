"""Writes for a key account's nominated contacts: an account manager nominates or removes a contact, the contact
signs up on the portal with the organisation's credit code, their own phone and a code texted to it.

A contact's portal account belongs to the ORGANISATION customer (so every portal reader shows the organisation's
data) and points at the nomination; removing the nomination deactivates the account, which ends its session at the
next request (``account_from_session`` reads only active accounts with an active nomination).
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from customers.models import Customer, PartyInteraction
from customers.privacy import mask_phone
from customers.services import interaction_record

from .models import NominatedContact, OneTimeCode, PortalAccount
from .services import (
    PortalActor,
    PortalRefused,
    _code_check,
    _code_send,
    _code_use,
    _identifier_matches,
    _password_check,
    _throttle_hit,
    _throttled,
    normalise_number,
)


def _contact_refused() -> PortalRefused:
    # One message for a wrong credit code and a phone not nominated: the form does not tell them apart.
    return PortalRefused(
        _("We found no nomination for this phone with this unified social credit code."), code="no_match"
    )


@transaction.atomic
def nominated_contact_add(*, organisation: Customer, name: str, phone: str, actor) -> NominatedContact:
    """Nominate a contact of a key account for the portal (audited, on the organisation's timeline)."""
    if organisation.customer_class != Customer.CustomerClass.KEY_ACCOUNT:
        raise ValueError(_("Only a key account can nominate portal contacts."))
    phone = normalise_number(phone)
    name = name.strip()
    if not name or not (phone.isdigit() and len(phone) == 11 and phone.startswith("1")):
        raise ValueError(_("Enter the contact's name and an 11-digit mobile phone number."))
    Customer.objects.select_for_update().filter(pk=organisation.pk).first()
    if NominatedContact.objects.filter(organisation=organisation, phone=phone, is_active=True).exists():
        raise ValueError(_("This phone is already nominated for this organisation."))
    contact = NominatedContact.objects.create(organisation=organisation, name=name, phone=phone, nominated_by=actor)
    audit_record(
        action=AuditEntry.Action.CREATE, obj=contact, object_repr=f"{name} {mask_phone(phone)}", actor=actor,
        changes={"organisation": organisation.customer_no}, detail="portal contact nominated",
    )  # fmt: skip
    interaction_record(
        customer=organisation, channel=PartyInteraction.Channel.SYSTEM, interaction_type="portal_contact",
        direction=PartyInteraction.Direction.OUTBOUND, staff=actor,
        reason=_("Portal contact nominated: %(name)s %(phone)s") % {"name": name, "phone": mask_phone(phone)},
        related_entities=[{"@referredType": "NominatedContact", "id": str(contact.pk)}],
    )  # fmt: skip
    return contact


@transaction.atomic
def nominated_contact_remove(*, organisation: Customer, contact_id: int, actor) -> NominatedContact:
    """End a nomination and the contact's portal account with it (audited, on the organisation's timeline)."""
    contact = (
        NominatedContact.objects.select_for_update()
        .filter(pk=contact_id, organisation=organisation, is_active=True)
        .first()
    )
    if contact is None:
        raise NominatedContact.DoesNotExist
    contact.is_active = False
    contact.removed_at = timezone.now()
    contact.save(update_fields=["is_active", "removed_at"])
    PortalAccount.objects.filter(nominated_contact=contact, is_active=True).update(is_active=False)
    audit_record(
        action=AuditEntry.Action.UPDATE, obj=contact, object_repr=f"{contact.name} {mask_phone(contact.phone)}",
        actor=actor, changes={"is_active": [True, False]}, detail="portal contact removed; portal access ended",
    )  # fmt: skip
    interaction_record(
        customer=organisation, channel=PartyInteraction.Channel.SYSTEM, interaction_type="portal_contact",
        direction=PartyInteraction.Direction.OUTBOUND, staff=actor,
        reason=_("Portal contact removed: %(name)s %(phone)s")
        % {"name": contact.name, "phone": mask_phone(contact.phone)},
        related_entities=[{"@referredType": "NominatedContact", "id": str(contact.pk)}],
    )  # fmt: skip
    return contact


def _nomination(credit_code: str, phone: str) -> NominatedContact | None:
    contact = (
        NominatedContact.objects.filter(phone=phone, is_active=True)
        .select_related("organisation__party")
        .filter(organisation__customer_class=Customer.CustomerClass.KEY_ACCOUNT)
        .order_by("id")
    )
    for candidate in contact:
        if _identifier_matches(candidate.organisation.party, credit_code):
            return candidate
    return None


@transaction.atomic
def contact_signup_code_send(*, credit_code: str, phone: str) -> OneTimeCode:
    """Step 1 of a contact's sign-up: the organisation's credit code and a phone nominated for it: text a code to
    that phone."""
    phone = normalise_number(phone)
    if _throttled("contact_signup", phone):
        raise PortalRefused(
            _("Too many failed tries for this phone. Please try again in 15 minutes."), code="throttled"
        )
    contact = _nomination(credit_code, phone) if phone else None
    if contact is None:
        _throttle_hit("contact_signup", phone)
        raise _contact_refused()
    if PortalAccount.objects.filter(login=phone, is_active=True).exists():
        raise PortalRefused(
            _("This phone already has a portal account. Log in, or reset the password if you forgot it."),
            code="exists",
        )
    return _code_send(customer=contact.organisation, login=phone, purpose=OneTimeCode.Purpose.SIGNUP, phone=phone)


def contact_account_signup(*, phone: str, code: str, password: str) -> PortalAccount:
    """Step 2 of a contact's sign-up: the code texted to the phone, then a password: create the contact's account
    for the organisation (audited)."""
    phone = normalise_number(phone)
    _password_check(password)
    otp = _code_check(login=phone, purpose=OneTimeCode.Purpose.SIGNUP, code=code)
    return _contact_account_create(otp=otp, phone=phone, password=password)


@transaction.atomic
def _contact_account_create(*, otp: OneTimeCode, phone: str, password: str) -> PortalAccount:
    contact = (
        NominatedContact.objects.select_for_update()
        .filter(phone=phone, organisation_id=otp.customer_id, is_active=True)
        .select_related("organisation")
        .first()
    )
    if contact is None:
        raise _contact_refused()
    if PortalAccount.objects.select_for_update().filter(login=phone, is_active=True).exists():
        raise PortalRefused(
            _("This phone already has a portal account. Log in, or reset the password if you forgot it."),
            code="exists",
        )
    _code_use(otp)
    now = timezone.now()
    account = PortalAccount.objects.create(
        customer=contact.organisation, login=phone, password=make_password(password), password_changed_at=now,
        nominated_contact=contact,
    )  # fmt: skip
    audit_record(
        action=AuditEntry.Action.CREATE, obj=account, object_repr=mask_phone(phone), actor=PortalActor.of(account),
        changes={"customer": contact.organisation.customer_no, "nominated_contact": contact.pk},
        detail="portal sign-up of a nominated contact with a one-time code",
    )  # fmt: skip
    return account
