"""Orders in the global search box: any channel answers "where is my order" from the order or work-order number."""

from __future__ import annotations

import re

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.ui.search import SearchHit, SearchProvider, register

from .selectors import orders_visible_to

ORDER_NO_RE = re.compile(r"^D\d{16}$")
WORK_ORDER_NO_RE = re.compile(r"^G\d{16}$")


def _search(user, query: str, limit: int) -> list[SearchHit]:
    query = query.strip().upper()
    orders = orders_visible_to(user).select_related("customer__party")
    if ORDER_NO_RE.match(query):
        orders = orders.filter(order_no=query)
    elif WORK_ORDER_NO_RE.match(query):
        orders = orders.filter(work_orders__wo_no=query)
    else:
        return []
    return [
        SearchHit(
            title=f"{order.order_no} · {order.get_state_display()}",
            subtitle=f"{order.get_order_type_display()} · {order.customer.party.name} · {order.created_at:%Y-%m-%d}",
            url=reverse("orders:detail", args=[order.order_no]),
        )
        for order in orders[:limit]
    ]


def register_provider() -> None:
    register(SearchProvider("orders", _("Orders"), _search, permission="accounts.search_customers", order=15))
