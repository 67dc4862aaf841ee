"""Writes about customers. Revealing personal data is an audited act, so it is a service too."""

from __future__ import annotations

from crm.audit.services import audit_personal_data_view

from .models import Customer


def personal_data_reveal(*, customer: Customer, actor, purpose: str = "") -> dict[str, str]:
    """Return the unmasked ID-card number and phone numbers of a customer, and record that ``actor`` saw them."""
    if not actor.has_perm("accounts.reveal_personal_data"):
        raise PermissionError("This role may not reveal personal data")
    party = customer.party
    phones = [c.value for c in party.contact_media.all() if c.kind == "phone"]
    revealed = {"id_number": party.id_number or party.credit_code or "", "phones": ", ".join(phones)}
    audit_personal_data_view(obj=customer, fields=["id_number", "phone"], purpose=purpose, actor=actor)
    return revealed
