"""TMF621 troubleTicket as the v4 swagger names it, and the telephony system's incomingCall."""

from __future__ import annotations

from rest_framework import serializers

from crm.api.serializers import TMFSerializer, iso_or_none

from ..models import Call, TroubleTicket
from ..models.tickets import TicketStatus


def is_note(change) -> bool:
    """A history row that records a note rather than a move (same status before and after)."""
    return bool(change.from_status) and change.from_status == change.to_status


class TroubleTicketSerializer(TMFSerializer):
    """Expects ``status_changes`` prefetched and customer__party, owner, product selected (see the view)."""

    class Meta:
        tmf_type = "TroubleTicket"

    def build(self, ticket: TroubleTicket) -> dict:
        changes = list(ticket.status_changes.all())
        moves = [c for c in changes if not is_note(c)]
        last = moves[-1] if moves else None
        entities = []
        if ticket.product_id:
            entities.append({"id": str(ticket.product_id), "role": "affectedProduct", "@referredType": "Product",
                             "name": ticket.product.service_number})  # fmt: skip
        if ticket.work_order_id:
            entities.append({"id": str(ticket.work_order_id), "role": "repairWorkOrder", "@referredType": "WorkOrder"})
        return {
            "name": ticket.ticket_no,
            "description": ticket.description,
            "ticketType": ticket.ticket_type,
            "severity": ticket.severity,
            "priority": str(ticket.priority),
            "status": ticket.status,
            "statusChangeDate": iso_or_none(last.at if last else None),
            "statusChangeReason": last.note if last else "",
            "statusChangeHistory": [
                {"status": c.to_status, "changeDate": iso_or_none(c.at), "changeReason": c.note} for c in moves
            ],
            "creationDate": iso_or_none(ticket.created_at),
            "lastUpdate": iso_or_none(ticket.updated_at),
            "expectedResolutionDate": iso_or_none(ticket.due_at),
            "resolutionDate": iso_or_none(ticket.resolved_at),
            "resolution": ticket.resolution,
            "channel": {"id": "hotline", "name": "hotline"} if ticket.call_id else None,
            "relatedEntity": entities,
            "relatedParty": [
                {
                    "id": str(ticket.customer_id),
                    "role": "customer",
                    "@referredType": "Customer",
                    "name": ticket.customer.party.name,
                },
                {
                    "id": str(ticket.owner_id),
                    "role": "owner",
                    "@referredType": "Individual",
                    "name": ticket.owner.get_username(),
                },
            ],
            "troubleTicketRelationship": [{"id": str(ticket.parent_id), "relationshipType": "isChildOf"}]
            if ticket.parent_id
            else [],
            "note": [{"text": c.note, "date": iso_or_none(c.at)} for c in changes if is_note(c)],
        }


# --- Input ----------------------------------------------------------------------------------------------


class TicketRef(serializers.Serializer):
    id = serializers.CharField(max_length=32)
    role = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class TicketNoteInput(serializers.Serializer):
    text = serializers.CharField(max_length=500)
    date = serializers.DateTimeField(required=False, allow_null=True)


class TroubleTicketInput(serializers.Serializer):
    """POST troubleTicket: the customer (relatedParty role customer), at most one affected product
    (relatedEntity), the type and description; the owner is the caller and the deadline comes from the SLA table."""

    description = serializers.CharField(max_length=2000)
    ticketType = serializers.ChoiceField(choices=TroubleTicket.TicketType.values)
    severity = serializers.ChoiceField(choices=TroubleTicket.Severity.values, required=False, default="minor")
    relatedParty = TicketRef(many=True)
    relatedEntity = TicketRef(many=True, required=False, default=list)
    needsSiteVisit = serializers.BooleanField(required=False, default=False)

    def validate_relatedParty(self, value):
        customers = [r for r in value if (r.get("role") or "customer") == "customer"]
        if len(customers) != 1:
            raise serializers.ValidationError("exactly one relatedParty with role customer is required")
        return value

    def validate_relatedEntity(self, value):
        if len(value) > 1:
            raise serializers.ValidationError("at most one relatedEntity: the product concerned")
        return value


class TroubleTicketPatch(serializers.Serializer):
    """PATCH troubleTicket: ``status`` (with ``statusChangeReason``, and ``resolution`` when resolving),
    ``severity``, and ``note`` (new entries are appended; notes already there stay)."""

    status = serializers.ChoiceField(choices=TicketStatus.values, required=False)
    statusChangeReason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    resolution = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    severity = serializers.ChoiceField(choices=TroubleTicket.Severity.values, required=False)
    note = TicketNoteInput(many=True, required=False, default=list)

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(dict.fromkeys(unknown, "cannot be changed with PATCH"))
        return attrs

    def to_representation(self, ticket):
        return {
            "status": ticket.status,
            "severity": ticket.severity,
            "note": [{"text": c.note} for c in ticket.status_changes.all() if is_note(c)],
        }


class IncomingCallInput(serializers.Serializer):
    callId = serializers.CharField(max_length=64)
    callingNumber = serializers.CharField(max_length=32)
    agent = serializers.CharField(max_length=150, help_text="The agent's username or employee number")


class CallCustomer(serializers.Serializer):
    id = serializers.CharField()
    customerNo = serializers.CharField()
    name = serializers.CharField()


class IncomingCallSerializer(serializers.Serializer):
    """What the agent's screen pops: the customer found by the calling number (or null) and the page to open."""

    callId = serializers.CharField()
    customer = CallCustomer(allow_null=True)
    popUrl = serializers.CharField()

    def to_representation(self, call: Call) -> dict:
        from urllib.parse import quote

        customer = call.customer
        return {
            "callId": call.call_id,
            "customer": {"id": str(customer.pk), "customerNo": customer.customer_no, "name": customer.party.name}
            if customer is not None
            else None,
            "popUrl": f"/callcenter/calls/{quote(call.call_id, safe='')}/",
        }
