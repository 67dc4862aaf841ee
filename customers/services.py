"""Writes about customers. Revealing personal data is an audited act, so it is a service too."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from crm.audit.services import audit_personal_data_view

from .models import Customer, PartyInteraction


def personal_data_reveal(*, customer: Customer, actor, purpose: str = "") -> dict[str, str]:
    """Return the unmasked ID-card number and phone numbers of a customer, and record that ``actor`` saw them."""
    if not actor.has_perm("accounts.reveal_personal_data"):
        raise PermissionError("This role may not reveal personal data")
    party = customer.party
    phones = [c.value for c in party.contact_media.all() if c.kind == "phone"]
    revealed = {"id_number": party.id_number or party.credit_code or "", "phones": ", ".join(phones)}
    audit_personal_data_view(obj=customer, fields=["id_number", "phone"], purpose=purpose, actor=actor)
    return revealed


@transaction.atomic
def interaction_record(
    *,
    customer: Customer,
    channel: str,
    interaction_type: str,
    staff=None,
    direction: str = PartyInteraction.Direction.INBOUND,
    reason: str = "",
    description: str = "",
    status: str = PartyInteraction.Status.COMPLETED,
    related_entities: list[dict] | None = None,
    occurred_at=None,
) -> PartyInteraction:
    """Append one contact to the customer's timeline; every channel records its contacts through here."""
    if channel not in PartyInteraction.Channel.values:
        raise ValueError(f"Unknown channel {channel!r}")
    interaction = PartyInteraction(
        customer=customer,
        channel=channel,
        direction=direction,
        interaction_type=interaction_type[:32],
        reason=reason[:200],
        description=description,
        status=status,
        staff=staff,
        related_entities=related_entities or [],
        occurred_at=occurred_at or timezone.now(),
    )
    interaction.full_clean()
    interaction.save()
    return interaction
