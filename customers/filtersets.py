"""Filters of the customer list pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Region

from .models import Customer, ServiceLevel
from .selectors import customer_text_condition, opted_out_condition


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Name or number"))
    customer_class = django_filters.ChoiceFilter(choices=Customer.CustomerClass.choices, label=_("class"))
    status = django_filters.ChoiceFilter(choices=Customer.Status.choices, label=_("status"))
    service_level = django_filters.ChoiceFilter(choices=ServiceLevel.choices, label=_("service level"))
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.order_by("code"), label=_("region"))
    opted_out = django_filters.ChoiceFilter(
        method="filter_opted_out",
        label=_("Opted out of"),
        choices=[("sms", _("SMS")), ("outbound_call", _("Outbound call")), ("email", _("E-mail"))],
    )

    class Meta:
        model = Customer
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(customer_text_condition(value)) if value else queryset

    def filter_opted_out(self, queryset, name, value):
        return queryset.filter(opted_out_condition(value)) if value else queryset
