"""Filters of the retention work list (挽留工作台)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from analytics.models import ChurnScore
from analytics.models.scores import RiskBand
from crm.accounts.models import Region
from crm.accounts.selectors import regions_visible_to, scoped_region
from customers.models import ServiceLevel


class WorklistFilterSet(django_filters.FilterSet):
    band = django_filters.ChoiceFilter(choices=RiskBand.choices, label=_("risk band"))
    level = django_filters.ChoiceFilter(
        field_name="customer__service_level", choices=ServiceLevel.choices, label=_("service level")
    )
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.none(), method="filter_region", label=_("region"))
    q = django_filters.CharFilter(field_name="customer__customer_no", lookup_expr="startswith", label=_("customer"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("my customers"))

    class Meta:
        model = ChurnScore
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        if request is not None and scoped_region(request.user) is None:
            self.filters["region"].queryset = regions_visible_to(request.user).order_by("code")
        else:
            del self.filters["region"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(region_id=value.pk) if value else queryset

    def filter_mine(self, queryset, name, value):
        return queryset.filter(customer__account_manager=self.request.user) if value else queryset
