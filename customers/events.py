"""Hub events of the customer-side TMF APIs, published by the services that change the resources.

Each event carries the resource as the API shows it (personal data masked), in the writer's transaction.
"""

from __future__ import annotations

from crm.api.registry import register_api
from crm.api.services import event_publish

CUSTOMER_API = register_api(
    "customerManagement", title="TMF629 Customer Management", read_scope="customer:read", write_scope="customer:write"
)
PARTY_API = register_api(
    "party", title="TMF632 Party Management", read_scope="customer:read", write_scope="customer:write"
)
ACCOUNT_API = register_api(
    "accountManagement", title="TMF666 Account Management", read_scope="customer:read", write_scope="customer:write"
)
INTERACTION_API = register_api(
    "partyInteraction", title="TMF683 Party Interaction", read_scope="customer:read", write_scope="customer:write"
)


def _publish(api, resource_name: str, change: str, representation: dict) -> None:
    event_type = f"{resource_name[0].upper()}{resource_name[1:]}{change}Event"
    event_publish(api_name=api.name, event_type=event_type, resource_name=resource_name, resource=representation)


def customer_event(customer, change: str) -> None:
    """change: "Create", "AttributeValueChange" or "StateChange"."""
    from .api.serializers import CustomerSerializer

    _publish(CUSTOMER_API, "customer", change, CustomerSerializer(customer).data)


def party_event(party, change: str) -> None:
    from .api.serializers import IndividualSerializer, OrganizationSerializer

    if party.kind == "individual":
        _publish(PARTY_API, "individual", change, IndividualSerializer(party).data)
    else:
        _publish(PARTY_API, "organization", change, OrganizationSerializer(party).data)


def billing_account_event(account, change: str) -> None:
    from .api.serializers import BillingAccountSerializer

    _publish(ACCOUNT_API, "billingAccount", change, BillingAccountSerializer(account).data)


def party_interaction_event(interaction, change: str) -> None:
    from .api.serializers import PartyInteractionSerializer

    _publish(INTERACTION_API, "partyInteraction", change, PartyInteractionSerializer(interaction).data)
