"""TMF629 Customer, TMF632 Individual/Organization, TMF666 BillingAccount and TMF683 PartyInteraction.

Representations are built as plain dicts (``build``) so the API and the hub events show the same thing;
ID-card numbers and phone numbers are always masked here. Input serializers validate create and patch bodies.
"""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from crm.api.serializers import TMFSerializer

from ..models import BillingAccount, ContactMedium, Customer, MarketingChannel, Party, PartyInteraction
from ..privacy import mask_id_number, mask_phone

CURRENCY = "CNY"


def money(value) -> dict:
    return {"unit": CURRENCY, "value": float(value)}


def characteristic(name: str, value, value_type: str = "string") -> dict:
    return {"name": name, "valueType": value_type, "value": value}


def contact_media(party: Party) -> list[dict]:
    """TMF ContactMedium entries; phones masked."""
    media = []
    for medium in party.contact_media.all():
        if medium.kind == ContactMedium.Kind.PHONE:
            kind, detail = "phone", {"phoneNumber": mask_phone(medium.value)}
        elif medium.kind == ContactMedium.Kind.EMAIL:
            kind, detail = "email", {"emailAddress": medium.value}
        else:
            kind, detail = "postalAddress", {"street1": medium.value, "stateOrProvince": "安徽省"}
            if medium.region_id:
                detail["city"] = medium.region.name if _loaded(medium, "region") else str(medium.region_id)
        media.append({"mediumType": kind, "preferred": medium.is_preferred, "characteristic": detail})
    return media


def _loaded(obj, relation: str) -> bool:
    return relation in obj._state.fields_cache


def party_ref(party: Party) -> dict:
    referred = "Individual" if party.kind == Party.Kind.INDIVIDUAL else "Organization"
    return {"id": str(party.pk), "name": party.name, "@referredType": referred}


class CustomerSerializer(TMFSerializer):
    class Meta:
        tmf_type = "Customer"

    def build(self, customer: Customer) -> dict:
        party = customer.party
        chars = [
            characteristic("customerNumber", customer.customer_no),
            characteristic("customerClass", customer.customer_class),
            characteristic("serviceLevel", customer.service_level),
            characteristic("serviceLevelPinned", customer.service_level_pinned, "boolean"),
            characteristic("region", customer.region.code if _loaded(customer, "region") else customer.region_id),
            characteristic("segment", customer.segment),
            characteristic("creditRating", customer.credit_rating, "integer"),
            characteristic(
                "valueScore", float(customer.value_score) if customer.value_score is not None else None, "number"
            ),
            characteristic(
                "churnRisk", float(customer.churn_risk) if customer.churn_risk is not None else None, "number"
            ),
            characteristic("fraudFlag", customer.fraud_flag, "boolean"),
            characteristic("marketingOptOut", list(customer.marketing_opt_outs or []), "array"),
        ]
        related = []
        if customer.account_manager_id:
            manager = customer.account_manager
            related.append(
                {
                    "id": str(manager.pk),
                    "name": manager.get_full_name() or manager.get_username(),
                    "role": "accountManager",
                    "@referredType": "Individual",
                }
            )
        return {
            "name": party.name,
            "status": customer.status,
            "engagedParty": party_ref(party),
            "account": [
                {"id": str(a.pk), "name": a.account_no, "@referredType": "BillingAccount"}
                for a in customer.accounts.all()
            ],
            "characteristic": chars,
            "contactMedium": contact_media(party),
            "relatedParty": related,
            "validFor": {"startDateTime": customer.since.isoformat() if customer.since else None},
        }


class IndividualSerializer(TMFSerializer):
    class Meta:
        tmf_type = "Individual"
        tmf_base_type = "Party"

    def build(self, party: Party) -> dict:
        return {
            "fullName": party.name,
            "familyName": party.name[:1],
            "givenName": party.name[1:],
            "gender": party.gender,
            "birthDate": party.birth_date.isoformat() if party.birth_date else None,
            "status": "validated",
            "individualIdentification": [
                {
                    "identificationType": "idCard",
                    "identificationId": mask_id_number(party.id_number or ""),
                    "issuingAuthority": "中华人民共和国公安部",
                }
            ],
            "contactMedium": contact_media(party),
        }


class OrganizationSerializer(TMFSerializer):
    class Meta:
        tmf_type = "Organization"
        tmf_base_type = "Party"

    def build(self, party: Party) -> dict:
        return {
            "name": party.name,
            "tradingName": party.name,
            "isLegalEntity": True,
            "status": "validated",
            "organizationIdentification": [{"identificationType": "USCC", "identificationId": party.credit_code or ""}],
            "characteristic": [characteristic("industry", party.industry)],
            "contactMedium": contact_media(party),
        }


def balance_times(accounts) -> dict[int, object]:
    """The time of the newest balance snapshot billing reported for each account (one query for a whole page)."""
    from django.apps import apps
    from django.db.models import Max

    snapshots = apps.get_model("billing_sync", "AccountBalance").objects
    rows = snapshots.filter(account__in=[a.pk for a in accounts]).values("account").annotate(latest=Max("as_of"))
    return {row["account"]: row["latest"] for row in rows}


class BillingAccountListSerializer(serializers.ListSerializer):
    """Reads the balance snapshot times of the whole page at once, so a list costs no query per account."""

    def to_representation(self, data):
        accounts = list(data.all() if hasattr(data, "all") else data)
        latest = balance_times(accounts) if accounts else {}
        for account in accounts:
            account._balance_as_of = latest.get(account.pk)
        return super().to_representation(accounts)


class BillingAccountSerializer(TMFSerializer):
    class Meta:
        tmf_type = "BillingAccount"
        tmf_base_type = "Account"
        list_serializer_class = BillingAccountListSerializer

    def build(self, account: BillingAccount) -> dict:
        customer = account.customer
        if not hasattr(account, "_balance_as_of"):
            account._balance_as_of = balance_times([account]).get(account.pk)
        # TMF666 AccountBalance: the deposit (prepaid balance) and the arrears, as of billing's newest snapshot.
        valid_for = {"startDateTime": account._balance_as_of.isoformat() if account._balance_as_of else None}
        return {
            "name": account.account_no,
            "accountType": "billing",
            "state": account.status,
            "accountBalance": [
                {"balanceType": "deposit", "amount": money(account.balance), "validFor": valid_for},
                {"balanceType": "arrears", "amount": money(account.arrears_amount), "validFor": valid_for},
            ],
            "creditLimit": money(account.credit_limit),
            "defaultPaymentMethod": {
                "id": account.payment_method,
                "name": account.get_payment_method_display(),
                "@referredType": "PaymentMethod",
            },
            "billStructure": {
                "cycleSpecification": {"frequency": "monthly", "billingDateShift": account.bill_cycle_day}
            },
            "relatedParty": [
                {"id": str(customer.pk), "name": customer.party.name, "role": "customer", "@referredType": "Customer"}
            ],
            "lastModified": account.created_at.isoformat() if account.created_at else None,
        }


class PartyInteractionSerializer(TMFSerializer):
    class Meta:
        tmf_type = "PartyInteraction"

    def build(self, interaction: PartyInteraction) -> dict:
        related = [{"id": str(interaction.customer_id), "role": "customer", "@referredType": "Customer"}]
        if interaction.staff_id:
            related.append({"id": str(interaction.staff_id), "role": "agent", "@referredType": "Individual"})
        return {
            "interactionDate": {"startDateTime": timezone.localtime(interaction.occurred_at).isoformat()},
            "direction": interaction.direction,
            "reason": interaction.reason,
            "description": interaction.description,
            "status": interaction.status,
            "interactionType": interaction.interaction_type,
            "channel": [
                {"id": interaction.channel, "name": interaction.get_channel_display(), "role": "interactionChannel"}
            ],
            "relatedParty": related,
            "relatedEntity": list(interaction.related_entities or []),
        }


# --- Input ----------------------------------------------------------------------------------------------


class RefSerializer(serializers.Serializer):
    id = serializers.CharField(max_length=32)
    role = serializers.CharField(required=False, allow_blank=True)
    name = serializers.CharField(required=False, allow_blank=True)


class CharacteristicSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    value = serializers.JSONField(allow_null=True)
    valueType = serializers.CharField(required=False, allow_blank=True)


class ContactMediumInput(serializers.Serializer):
    mediumType = serializers.ChoiceField(choices=["phone", "mobile", "email", "postalAddress"])
    preferred = serializers.BooleanField(required=False, default=False)
    characteristic = serializers.DictField()

    def validate(self, attrs):
        detail, kind = attrs["characteristic"], attrs["mediumType"]
        key = {"phone": "phoneNumber", "mobile": "phoneNumber", "email": "emailAddress"}.get(kind, "street1")
        value = str(detail.get(key) or "").strip()
        if not value:
            raise serializers.ValidationError({"characteristic": f"{key} is required for {kind}"})
        if key == "phoneNumber" and not value.replace("-", "").isdigit():
            raise serializers.ValidationError({"characteristic": "phoneNumber must be digits"})
        attrs["kind"] = {"phoneNumber": "phone", "emailAddress": "email"}.get(key, "address")
        attrs["value"] = value
        return attrs


class IdentificationInput(serializers.Serializer):
    identificationType = serializers.CharField()
    identificationId = serializers.CharField(max_length=18)


class IndividualCreateSerializer(serializers.Serializer):
    fullName = serializers.CharField(max_length=128, required=False)
    familyName = serializers.CharField(max_length=32, required=False)
    givenName = serializers.CharField(max_length=96, required=False)
    gender = serializers.ChoiceField(choices=Party.Gender.values, required=False)
    birthDate = serializers.DateField(required=False)
    individualIdentification = IdentificationInput(many=True)
    contactMedium = ContactMediumInput(many=True, required=False)

    def validate(self, attrs):
        name = attrs.get("fullName") or f"{attrs.get('familyName', '')}{attrs.get('givenName', '')}"
        if not name.strip():
            raise serializers.ValidationError({"fullName": "fullName (or familyName and givenName) is required"})
        ids = [i for i in attrs["individualIdentification"] if i["identificationType"] == "idCard"]
        if not ids:
            raise serializers.ValidationError(
                {"individualIdentification": "an identification of type idCard is required"}
            )
        attrs["name"], attrs["id_number"] = name.strip(), ids[0]["identificationId"]
        return attrs


class OrganizationCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    organizationIdentification = IdentificationInput(many=True)
    characteristic = CharacteristicSerializer(many=True, required=False)
    contactMedium = ContactMediumInput(many=True, required=False)

    def validate(self, attrs):
        codes = [i for i in attrs["organizationIdentification"] if i["identificationType"] == "USCC"]
        if not codes:
            raise serializers.ValidationError(
                {"organizationIdentification": "an identification of type USCC is required"}
            )
        attrs["credit_code"] = codes[0]["identificationId"]
        attrs["industry"] = next(
            (str(c["value"]) for c in attrs.get("characteristic", []) if c["name"] == "industry"), ""
        )
        return attrs


class PartyPatchSerializer(serializers.Serializer):
    """What may change on a party: the name and the contact media (identifiers never change)."""

    name = serializers.CharField(max_length=128)
    contactMedium = serializers.ListField(child=serializers.DictField(), required=False)

    def to_representation(self, party):
        return {"name": party.name, "contactMedium": contact_media(party)}


class IndividualPatchSerializer(PartyPatchSerializer):
    def to_representation(self, party):
        return {"fullName": party.name, "contactMedium": contact_media(party)}

    def to_internal_value(self, data):
        data = dict(data)
        data["name"] = data.pop("fullName", data.get("name"))
        return super().to_internal_value(data)


class CustomerCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    engagedParty = RefSerializer()
    status = serializers.ChoiceField(choices=["prospect", "active"], required=False, default="active")
    characteristic = CharacteristicSerializer(many=True, required=False)
    relatedParty = RefSerializer(many=True, required=False)


class CustomerPatchSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Customer.Status.values)
    statusReason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    characteristic = CharacteristicSerializer(many=True, required=False)

    def to_representation(self, customer):
        return {
            "status": customer.status,
            "statusReason": "",
            "characteristic": [
                characteristic("segment", customer.segment),
                characteristic("marketingOptOut", list(customer.marketing_opt_outs or []), "array"),
            ],
        }

    def validate_characteristic(self, value):
        allowed = {"segment", "marketingOptOut"}
        unknown = sorted({c["name"] for c in value} - allowed)
        if unknown:
            raise serializers.ValidationError(
                f"only {', '.join(sorted(allowed))} may change here, not {', '.join(unknown)}"
            )
        for item in value:
            if item["name"] == "marketingOptOut":
                channels = item["value"] if isinstance(item["value"], list) else []
                bad = sorted(set(map(str, channels)) - set(MarketingChannel.values))
                if bad or not isinstance(item["value"], list):
                    raise serializers.ValidationError(
                        f"marketingOptOut takes a list of {', '.join(MarketingChannel.values)}"
                    )
        return value


class BillingAccountCreateSerializer(serializers.Serializer):
    name = serializers.RegexField(r"^A\d{6,18}$", max_length=20, help_text="The account number, e.g. A00000012345")
    relatedParty = RefSerializer(many=True)
    creditLimit = serializers.DictField(required=False)
    defaultPaymentMethod = serializers.DictField(required=False)
    billStructure = serializers.DictField(required=False)

    def validate_relatedParty(self, value):
        customers = [r for r in value if r.get("role", "customer") == "customer"]
        if not customers:
            raise serializers.ValidationError("a relatedParty with role customer is required")
        return value


class BillingAccountPatchSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=BillingAccount.Status.values)
    creditLimit = serializers.DictField()
    defaultPaymentMethod = serializers.DictField()
    billStructure = serializers.DictField()

    def to_representation(self, account):
        full = BillingAccountSerializer(account).build(account)
        return {key: full[key] for key in ("state", "creditLimit", "defaultPaymentMethod", "billStructure")}


class PartyInteractionCreateSerializer(serializers.Serializer):
    relatedParty = RefSerializer(many=True)
    channel = serializers.ListField(child=serializers.DictField(), min_length=1)
    direction = serializers.ChoiceField(choices=PartyInteraction.Direction.values)
    interactionDate = serializers.DictField(required=False)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=PartyInteraction.Status.values, required=False, default="completed")
    interactionType = serializers.CharField(max_length=32, required=False, default="inquiry")
    relatedEntity = serializers.ListField(child=serializers.DictField(), required=False, default=list)

    def validate_channel(self, value):
        channel = str(value[0].get("id") or value[0].get("name") or "")
        if channel not in PartyInteraction.Channel.values:
            raise serializers.ValidationError(f"channel id must be one of {', '.join(PartyInteraction.Channel.values)}")
        return channel


class PartyInteractionPatchSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartyInteraction.Status.values)
    description = serializers.CharField(allow_blank=True)

    def to_representation(self, interaction):
        return {"status": interaction.status, "description": interaction.description}
