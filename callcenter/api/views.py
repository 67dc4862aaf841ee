"""TMF621 troubleTicket and the telephony system's incomingCall.

Tickets go through the call centre's services (deadline from the SLA table, first-contact owner = the caller,
outage parent, repair work order) and each write publishes its hub event in the same transaction. Status codes:
an unknown or invisible customer or product is 400; a move the lifecycle does not allow is 422, and so is a
business rule a service refuses (resolving without saying how, a product of another customer).

Optimistic locking: GET (one ticket) and PATCH answer the ticket's version as a weak ETag (``W/"3"``; weak because
the body also depends on ``fields=`` selection, while the version names the state of the ticket). A PATCH with
``If-Match`` (``W/"3"`` or ``"3"``, a list, or ``*``) is applied only if the ticket is still at that version, checked
again under the row lock in the same transaction: otherwise 412 Precondition Failed with the TMF error body (code
``staleVersion``) and nothing changes. A PATCH without If-Match is applied to the current ticket (last writer wins),
which stays the default so existing clients keep working.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.accounts.selectors import visibility_scope
from crm.api.exceptions import Unprocessable, business_refusals
from crm.api.services import event_publish
from crm.api.views import TMFMergePatchMixin, TMFReadOnlyViewSet
from customers.selectors import customers_visible_to
from orders.selectors.catalog import product_inventory_visible_to

from .. import services
from ..models import Call, TicketStatusChange, TroubleTicket
from . import serializers as s

TELEPHONY_SCOPE = "telephony:write"
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The ETag of the GET the change is based on (W/"3"): applied only if the ticket is still at that '
    "version, else 412. Without it the change applies to the current ticket (last writer wins).",
)
STALE = OpenApiResponse(
    OpenApiTypes.OBJECT, description="TMF630 error body: If-Match names a version the ticket is no longer at."
)


class PreconditionFailed(APIException):
    """412: the If-Match version is not the ticket's current one."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The ticket has changed since the version given in If-Match."
    default_code = "staleVersion"


def version_etag(version: int) -> str:
    return f'W/"{version}"'


def if_match_version(request, ticket: TroubleTicket) -> int | None:
    """The version an If-Match header holds the change to: None without the header or with ``*``; 412 when none of
    its tags (weak or strong, compared by the version they name) is the ticket's current version."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tags = {tag.strip().removeprefix("W/").strip('"') for tag in header.split(",")}
    if str(ticket.version) not in tags:
        raise PreconditionFailed(str(services.StaleVersion(ticket)))
    return ticket.version


def tickets_for_api(user):
    """Tickets of the customers the user may see (API clients and province staff: all), with what the
    representation reads, in a fixed number of queries."""
    history = TicketStatusChange.objects.order_by("at", "id")
    tickets = TroubleTicket.objects.select_related("customer__party", "owner", "product").prefetch_related(
        Prefetch("status_changes", queryset=history)
    )
    # The ticket's own region and grid (set from the customer's when it is opened), as on the staff pages: the
    # (status, region) index serves an agent's list, where scoping through the customer joined every customer of the
    # region (0.5 s a page at a million customers).
    return visibility_scope(user).filter(tickets)


# --- Writes: the service, then the hub event, in one transaction -------------------------------------------------


def _publish(event_type: str, resource: dict) -> None:
    event_publish(api_name=services.TICKET_API.name, event_type=event_type, resource_name="troubleTicket",
                  resource=resource)  # fmt: skip


@transaction.atomic
def api_ticket_open(*, serialize, **kwargs) -> dict:
    """Open a ticket (callcenter.services.ticket_open) and publish TroubleTicketCreateEvent; returns the resource."""
    ticket = services.ticket_open(**kwargs)
    resource = serialize(ticket)
    _publish("TroubleTicketCreateEvent", resource)
    return resource


@transaction.atomic
def api_ticket_change(
    *, ticket: TroubleTicket, actor, serialize, status: str | None = None, reason: str = "", resolution: str = "",
    severity: str | None = None, notes: tuple[str, ...] = (), expected_version: int | None = None,
) -> dict:  # fmt: skip
    """Change severity, append notes and move the status (callcenter.services.ticket_transition), then publish
    TroubleTicketAttributeValueChangeEvent, TroubleTicketStatusChangeEvent and TroubleTicketResolvedEvent.
    ``expected_version`` (If-Match) is checked once under the ticket's lock, before any of it."""
    ticket = services.ticket_for_update(ticket=ticket, expected_version=expected_version)
    changed = services.ticket_annotate(ticket=ticket, actor=actor, severity=severity, notes=notes)
    moved = bool(status) and status != ticket.status
    if moved:
        services.ticket_transition(ticket=ticket, status=status, actor=actor, note=reason or resolution,
                                   resolution=resolution)  # fmt: skip
    resource = serialize(ticket)
    if changed:
        _publish("TroubleTicketAttributeValueChangeEvent", resource)
    if moved:
        _publish("TroubleTicketStatusChangeEvent", resource)
        if status == "resolved":
            _publish("TroubleTicketResolvedEvent", resource)
    return resource


@contextmanager
def ticket_errors():
    """What the ticket services refuse, as TMF errors (see the module docstring)."""
    try:
        with business_refusals():
            yield
    except services.TicketStateError as exc:
        raise Unprocessable(str(exc), code="invalidStateTransition") from exc
    except services.StaleVersion as exc:  # changed between reading If-Match and taking the lock
        raise PreconditionFailed(str(exc)) from exc


def _found(queryset, ref: dict | None, field: str, label: str):
    """The object a TMF reference names, within what the caller may use; a 400 naming the field if none."""
    if not ref:
        return None
    raw = str(ref.get("id", "")).strip()
    found = queryset.filter(pk=int(raw)).first() if raw.isdigit() else None
    if found is None:
        raise ValidationError({field: f"{label} {raw} not found"})
    return found


class TroubleTicketViewSet(TMFMergePatchMixin, mixins.CreateModelMixin, TMFReadOnlyViewSet):
    """Trouble tickets (faults, complaints, regulator complaints, maintenance) of the customers the caller may see."""

    read_scope, write_scope = services.TICKET_API.read_scope, services.TICKET_API.write_scope
    serializer_class = s.TroubleTicketSerializer
    patch_serializer_class = s.TroubleTicketPatch
    tmf_filters = {
        "id": ("id", int),
        "name": "ticket_no",
        "status": "status",
        "ticketType": "ticket_type",
        "severity": "severity",
        "priority": ("priority", int),
        "relatedParty.id": ("customer_id", int),
        "relatedEntity.id": ("product_id", int),
        "creationDate": ("created_at", "datetime"),
        "lastUpdate": ("updated_at", "datetime"),
        "expectedResolutionDate": ("due_at", "datetime"),
        "resolutionDate": ("resolved_at", "datetime"),
    }

    def get_queryset(self):
        return tickets_for_api(self.request.user).order_by("id")

    def _serialize(self, ticket: TroubleTicket) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=ticket.pk)).data

    def retrieve(self, request, *args, **kwargs):
        ticket = self.get_object()
        response = Response(self.get_serializer(ticket).data)
        response["ETag"] = version_etag(ticket.version)
        return response

    @extend_schema(request=s.TroubleTicketInput, responses={201: s.TroubleTicketSerializer})
    def create(self, request, *args, **kwargs):
        data = s.TroubleTicketInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        customer_ref = next(r for r in v["relatedParty"] if (r.get("role") or "customer") == "customer")
        visible = customers_visible_to(request.user).select_related("area")
        customer = _found(visible, customer_ref, "relatedParty", "customer")
        entity = v["relatedEntity"][0] if v["relatedEntity"] else None
        product = _found(
            product_inventory_visible_to(request.user).select_related("specification"),
            entity,
            "relatedEntity",
            "product",
        )
        with ticket_errors():
            resource = api_ticket_open(
                serialize=self._serialize, customer=customer, ticket_type=v["ticketType"],
                description=v["description"], owner=request.user, product=product, severity=v["severity"],
                needs_site_visit=v["needsSiteVisit"],
            )  # fmt: skip
        return Response(resource, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.TroubleTicketPatch, parameters=[IF_MATCH], responses={200: s.TroubleTicketSerializer, 412: STALE}
    )
    def partial_update(self, request, *args, **kwargs):
        self.expected_version = if_match_version(request, self.get_object())
        response = super().partial_update(request, *args, **kwargs)
        response["ETag"] = version_etag(self.patched.version)
        return response

    def perform_patch(self, instance, validated_data):
        sent = self.request.data if isinstance(self.request.data, dict) else {}
        v = validated_data
        known = {c.note for c in instance.status_changes.all() if s.is_note(c)}
        notes = tuple(dict.fromkeys(n["text"].strip() for n in v.get("note", []) if n["text"].strip() not in known))
        with ticket_errors():
            api_ticket_change(
                ticket=instance, actor=self.request.user, serialize=self._serialize,
                status=v.get("status") if "status" in sent else None,
                reason=v.get("statusChangeReason", "") if "statusChangeReason" in sent else "",
                resolution=v.get("resolution", "") if "resolution" in sent else "",
                severity=v.get("severity") if "severity" in sent else None, notes=notes,
                expected_version=self.expected_version,
            )  # fmt: skip
        self.patched = self.get_queryset().get(pk=instance.pk)
        return self.patched


class IncomingCallView(APIView):
    """POST /tmf-api/troubleTicket/v4/incomingCall: the telephony system rings an agent; the answer is the screen
    pop. Idempotent by ``callId``: a repeat answers 200 with the same body (201 the first time)."""

    read_scope = None
    write_scope = TELEPHONY_SCOPE

    @extend_schema(
        request=s.IncomingCallInput,
        responses={201: s.IncomingCallSerializer, 200: s.IncomingCallSerializer},
        operation_id="incomingCall_create",
    )
    def post(self, request):
        data = s.IncomingCallInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        name = v["agent"].strip()
        agent = (
            get_user_model()
            .objects.filter(Q(username=name) | Q(staff_profile__employee_no=name), is_active=True)
            .order_by("pk")
            .first()
        )
        if agent is None:
            raise ValidationError({"agent": f"no active staff member {name}"})
        existed = Call.objects.filter(call_id=v["callId"]).exists()
        try:
            with transaction.atomic():
                call = services.call_incoming(call_id=v["callId"], calling_number=v["callingNumber"], agent=agent)
        except IntegrityError:  # the same call reported twice at once: the other request made it
            call, existed = Call.objects.get(call_id=v["callId"]), True
        call = Call.objects.select_related("customer__party").get(pk=call.pk)
        return Response(
            s.IncomingCallSerializer(call).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )
