"""Filters of the order list page."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import OrderType, ProductOrder, SalesChannel


class OrderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Order, customer or number"))
    state = django_filters.ChoiceFilter(choices=ProductOrder.State.choices, label=_("state"))
    order_type = django_filters.ChoiceFilter(choices=OrderType.choices, label=_("order type"))
    channel = django_filters.ChoiceFilter(choices=SalesChannel.choices, label=_("channel"))
    created_after = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("from"))
    created_before = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("to"))

    class Meta:
        model = ProductOrder
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        upper = value.upper()
        return queryset.filter(
            Q(order_no=upper) | Q(customer__customer_no=upper) | Q(service_number=value)
            | Q(product__service_number=value) | Q(customer__party__name__contains=value)
        )  # fmt: skip
