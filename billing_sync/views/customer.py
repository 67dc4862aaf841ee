"""The billing parts of the customer 360 page that reload on their own (htmx): usage of all or one subscription."""

from __future__ import annotations

import time

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import render

from customers.models import Customer
from customers.selectors import customers_visible_to

from ..selectors import customer as billing_selectors

# The 360 page's audited cross-region grants (customers.views keeps them in the session under this key).
GRANTS_SESSION_KEY = "cross_region_grants"


def _visible_customer(request, customer_no: str) -> Customer:
    customer_no = customer_no.upper()
    granted = request.session.get(GRANTS_SESSION_KEY, {}).get(customer_no, 0) > time.time()
    customers = Customer.objects.all() if granted else customers_visible_to(request.user)
    try:
        return customers.get(customer_no=customer_no)
    except Customer.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@permission_required("accounts.search_customers", raise_exception=True)
def customer_usage(request, customer_no: str):
    """The usage trend and top called numbers of the customer, or of one subscription (?product=<product_no>)."""
    from orders.models import Product

    customer = _visible_customer(request, customer_no)
    products = list(Product.objects.filter(customer=customer).order_by("service_number", "pk"))
    chosen = next((p for p in products if p.product_no == request.GET.get("product", "")), None)
    context = {
        "customer": customer,
        "usage_products": products,
        "usage_product": chosen,
        **billing_selectors.usage_panel(
            customer, product_ids=[p.pk for p in products], product_id=chosen.pk if chosen else None
        ),
    }
    return render(request, "billing_sync/customer/_usage.html", context)
