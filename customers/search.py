"""The customers provider of the global search box (masked values; the full ones only on reveal)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.ui.search import SearchHit, SearchProvider, register

from .privacy import mask_id_number, mask_phone
from .selectors import customer_search, is_unique_key


def _search(user, query: str, limit: int) -> list[SearchHit]:
    customers = customer_search(user, query, limit=limit)
    hits = []
    for customer in customers:
        party = customer.party
        identifier = mask_id_number(party.id_number) if party.kind == "individual" else party.credit_code
        phones = [c.value for c in party.contact_media.all() if c.kind == "phone"]
        details = [customer.customer_no, customer.get_customer_class_display(), customer.get_service_level_display(),
                   str(customer.region), identifier, mask_phone(phones[0]) if phones else ""]  # fmt: skip
        url = reverse("customers:detail", args=[customer.customer_no])
        hits.append(SearchHit(title=party.name, subtitle=" · ".join(d for d in details if d), url=url))
    return hits


def register_provider() -> None:
    register(
        SearchProvider(
            "customers", _("Customers"), _search, permission="accounts.search_customers", order=10, owns=is_unique_key
        )
    )
