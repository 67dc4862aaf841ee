"""TMF629 customer, TMF632 individual/organization, TMF666 billingAccount, TMF683 partyInteraction.

Lists are scoped to what the caller may see (API clients: everything; staff sessions: their region), in a
fixed number of queries. Writes go through customers.services, which validate and publish the hub events.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from crm.accounts.models import Region
from crm.api.exceptions import business_refusals
from crm.api.views import TMFMergePatchMixin, TMFReadOnlyViewSet

from .. import services
from ..events import ACCOUNT_API, CUSTOMER_API, INTERACTION_API, PARTY_API
from ..models import BillingAccount, Customer, Party, PartyInteraction
from ..selectors import customers_visible_to
from . import serializers as s


def domain_errors():
    return business_refusals(
        conflicts=(services.DuplicateIdentifier,),
        field_prefixes=("individualIdentification", "organizationIdentification", "serviceLevel"),
    )


def _customer_for(user, ref_id: str) -> Customer:
    if not str(ref_id).isdigit():
        raise ValidationError({"relatedParty": "id must be a customer id"})
    customer = customers_visible_to(user).filter(pk=int(ref_id)).first()
    if customer is None:
        raise ValidationError({"relatedParty": f"customer {ref_id} not found"})
    return customer


class _CustomerScoped(TMFMergePatchMixin, mixins.CreateModelMixin, TMFReadOnlyViewSet):
    def created(self, instance) -> Response:
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)


# --- TMF629 ------------------------------------------------------------------------------------------------


class CustomerViewSet(_CustomerScoped):
    read_scope, write_scope = CUSTOMER_API.read_scope, CUSTOMER_API.write_scope
    serializer_class = s.CustomerSerializer
    patch_serializer_class = s.CustomerPatchSerializer
    tmf_filters = {
        "id": ("id", int),
        "name": "party__name",
        "status": "status",
        "engagedParty.id": ("party_id", int),
        "characteristic.customerClass": "customer_class",
        "characteristic.serviceLevel": "service_level",
        "characteristic.customerNumber": "customer_no",
        "characteristic.segment": "segment",
        "characteristic.region": "region__code",
        "relatedParty.id": ("account_manager_id", int),
        "validFor.startDateTime": ("since", "date"),
    }

    def get_queryset(self):
        return (
            customers_visible_to(self.request.user)
            .select_related("party", "region", "account_manager")
            .prefetch_related("party__contact_media", "accounts")
            .order_by("id")
        )

    @extend_schema(request=s.CustomerCreateSerializer, responses={201: s.CustomerSerializer})
    def create(self, request, *args, **kwargs):
        data = s.CustomerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        chars = {c["name"]: c["value"] for c in v.get("characteristic", [])}
        party_id = v["engagedParty"]["id"]
        party = Party.objects.filter(pk=int(party_id)).first() if party_id.isdigit() else None
        if party is None:
            raise ValidationError({"engagedParty": f"party {party_id} not found (create it with TMF632 first)"})
        region = Region.objects.filter(code=str(chars.get("region", ""))).first()
        if region is None:
            raise ValidationError(
                {"characteristic": "a characteristic region with a region code (e.g. 340100) is required"}
            )
        if not _may_use_region(request.user, region):
            raise ValidationError({"characteristic": "you may not create customers in this region"})
        with domain_errors(), transaction.atomic():
            customer = services.customer_create(
                party=party,
                region=region,
                status=v["status"],
                customer_class=chars.get("customerClass"),
                service_level=chars.get("serviceLevel"),
                segment=str(chars.get("segment") or ""),
            )
        return self.created(self.get_queryset().get(pk=customer.pk))

    def perform_patch(self, instance, validated_data):
        chars = {c["name"]: c["value"] for c in validated_data.get("characteristic", [])}
        with domain_errors():
            services.customer_update(
                customer=instance,
                status=validated_data["status"],
                status_reason=validated_data.get("statusReason", ""),
                segment=chars.get("segment"),
                marketing_opt_outs=chars.get("marketingOptOut"),
            )
        return self.get_queryset().get(pk=instance.pk)


def _may_use_region(user, region) -> bool:
    from crm.accounts.selectors import visibility_scope

    return visibility_scope(user).allows_region(region.pk)


# --- TMF632 ------------------------------------------------------------------------------------------------


class _PartyViewSet(_CustomerScoped):
    read_scope, write_scope = PARTY_API.read_scope, PARTY_API.write_scope
    kind = ""

    def get_queryset(self):
        visible = customers_visible_to(self.request.user).values("party_id")
        parties = Party.objects.filter(kind=self.kind)
        if not _sees_everything(self.request.user):
            parties = parties.filter(pk__in=visible)
        return parties.prefetch_related("contact_media__region").order_by("id")

    def perform_patch(self, instance, validated_data):
        media = None
        if "contactMedium" in self.request.data:
            media_input = s.ContactMediumInput(data=self.request.data["contactMedium"], many=True)
            media_input.is_valid(raise_exception=True)
            media = media_input.validated_data
        with domain_errors():
            services.party_update(party=instance, name=validated_data["name"], contact_media=media)
        return self.get_queryset().get(pk=instance.pk)


def _sees_everything(user) -> bool:
    from crm.accounts.selectors import visibility_scope

    return visibility_scope(user).all_regions


class IndividualViewSet(_PartyViewSet):
    kind = Party.Kind.INDIVIDUAL
    serializer_class = s.IndividualSerializer
    patch_serializer_class = s.IndividualPatchSerializer
    tmf_filters = {"id": ("id", int), "fullName": "name", "gender": "gender", "birthDate": ("birth_date", "date")}

    @extend_schema(request=s.IndividualCreateSerializer, responses={201: s.IndividualSerializer})
    def create(self, request, *args, **kwargs):
        data = s.IndividualCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        with domain_errors():
            party = services.party_create(
                kind=Party.Kind.INDIVIDUAL,
                name=v["name"],
                id_number=v["id_number"],
                gender=v.get("gender", ""),
                birth_date=v.get("birthDate"),
                contact_media=v.get("contactMedium", []),
            )
        return self.created(Party.objects.prefetch_related("contact_media").get(pk=party.pk))


class OrganizationViewSet(_PartyViewSet):
    kind = Party.Kind.ORGANIZATION
    serializer_class = s.OrganizationSerializer
    patch_serializer_class = s.PartyPatchSerializer
    tmf_filters = {
        "id": ("id", int),
        "name": "name",
        "tradingName": "name",
        "organizationIdentification.identificationId": "credit_code",
    }

    @extend_schema(request=s.OrganizationCreateSerializer, responses={201: s.OrganizationSerializer})
    def create(self, request, *args, **kwargs):
        data = s.OrganizationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        with domain_errors():
            party = services.party_create(
                kind=Party.Kind.ORGANIZATION,
                name=v["name"],
                credit_code=v["credit_code"],
                industry=v["industry"],
                contact_media=v.get("contactMedium", []),
            )
        return self.created(Party.objects.prefetch_related("contact_media").get(pk=party.pk))


# --- TMF666 ------------------------------------------------------------------------------------------------


def _money(value: dict | None, field: str) -> Decimal:
    try:
        amount = Decimal(str((value or {}).get("value", 0)))
    except InvalidOperation as exc:
        raise ValidationError({field: "value must be a number"}) from exc
    if amount < 0:
        raise ValidationError({field: "must not be negative"})
    return amount


def _payment_method(value: dict | None) -> str:
    method = str((value or {}).get("id") or "cash")
    if method not in BillingAccount.PaymentMethod.values:
        raise ValidationError(
            {"defaultPaymentMethod": f"id must be one of {', '.join(BillingAccount.PaymentMethod.values)}"}
        )
    return method


def _bill_day(value: dict | None) -> int:
    raw = ((value or {}).get("cycleSpecification") or {}).get("billingDateShift", 1)
    if not isinstance(raw, int) or not 1 <= raw <= 28:
        raise ValidationError({"billStructure": "cycleSpecification.billingDateShift must be a day from 1 to 28"})
    return raw


class BillingAccountViewSet(_CustomerScoped):
    read_scope, write_scope = ACCOUNT_API.read_scope, ACCOUNT_API.write_scope
    serializer_class = s.BillingAccountSerializer
    patch_serializer_class = s.BillingAccountPatchSerializer
    tmf_filters = {
        "id": ("id", int),
        "name": "account_no",
        "state": "status",
        "relatedParty.id": ("customer_id", int),
        "defaultPaymentMethod.id": "payment_method",
    }

    def get_queryset(self):
        customers = customers_visible_to(self.request.user)
        accounts = BillingAccount.objects.select_related("customer__party")
        if not _sees_everything(self.request.user):
            accounts = accounts.filter(customer__in=customers)
        return accounts.order_by("id")

    @extend_schema(request=s.BillingAccountCreateSerializer, responses={201: s.BillingAccountSerializer})
    def create(self, request, *args, **kwargs):
        data = s.BillingAccountCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        ref = next(r for r in v["relatedParty"] if r.get("role", "customer") == "customer")
        customer = _customer_for(request.user, ref["id"])
        with domain_errors():
            account = services.billing_account_create(
                customer=customer,
                account_no=v["name"],
                credit_limit=_money(v.get("creditLimit"), "creditLimit"),
                payment_method=_payment_method(v.get("defaultPaymentMethod")),
                bill_cycle_day=_bill_day(v.get("billStructure")),
            )
        return self.created(self.get_queryset().get(pk=account.pk))

    def perform_patch(self, instance, validated_data):
        with domain_errors():
            services.billing_account_update(
                account=instance,
                status=validated_data["state"],
                credit_limit=_money(validated_data["creditLimit"], "creditLimit"),
                payment_method=_payment_method(validated_data["defaultPaymentMethod"]),
                bill_cycle_day=_bill_day(validated_data["billStructure"]),
            )
        return self.get_queryset().get(pk=instance.pk)


# --- TMF683 ------------------------------------------------------------------------------------------------


class PartyInteractionViewSet(_CustomerScoped):
    read_scope, write_scope = INTERACTION_API.read_scope, INTERACTION_API.write_scope
    serializer_class = s.PartyInteractionSerializer
    patch_serializer_class = s.PartyInteractionPatchSerializer
    tmf_filters = {
        "id": ("id", int),
        "status": "status",
        "direction": "direction",
        "channel.id": "channel",
        "interactionType": "interaction_type",
        "relatedParty.id": ("customer_id", int),
        "interactionDate.startDateTime": ("occurred_at", "datetime"),
    }

    def get_queryset(self):
        interactions = PartyInteraction.objects.all()
        if not _sees_everything(self.request.user):
            interactions = interactions.filter(customer__in=customers_visible_to(self.request.user))
        return interactions.order_by("-occurred_at", "-id")

    @extend_schema(request=s.PartyInteractionCreateSerializer, responses={201: s.PartyInteractionSerializer})
    def create(self, request, *args, **kwargs):
        data = s.PartyInteractionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        refs = [r for r in v["relatedParty"] if r.get("role", "customer") == "customer"]
        if not refs:
            raise ValidationError({"relatedParty": "a relatedParty with role customer is required"})
        customer = _customer_for(request.user, refs[0]["id"])
        occurred = (v.get("interactionDate") or {}).get("startDateTime")
        occurred_at = s.serializers.DateTimeField().to_internal_value(occurred) if occurred else None
        with domain_errors():
            interaction = services.interaction_record(
                customer=customer,
                channel=v["channel"],
                interaction_type=v["interactionType"],
                direction=v["direction"],
                reason=v["reason"],
                description=v["description"],
                status=v["status"],
                related_entities=v["relatedEntity"],
                occurred_at=occurred_at,
                staff=request.user,
            )
        return self.created(interaction)

    def perform_patch(self, instance, validated_data):
        with domain_errors():
            return services.party_interaction_update(
                interaction=instance, status=validated_data["status"], description=validated_data["description"]
            )
