"""Filters of the audit log page."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry

DATE = forms.DateInput(attrs={"type": "date"})


class AuditEntryFilterSet(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_repr", lookup_expr="icontains", label=_("Actor"))
    action = django_filters.ChoiceFilter(choices=AuditEntry.Action.choices, label=_("Action"))
    object_type = django_filters.CharFilter(lookup_expr="iexact", label=_("Object type"))
    object_id = django_filters.CharFilter(lookup_expr="exact", label=_("Object id"))
    channel = django_filters.ChoiceFilter(choices=AuditEntry.Channel.choices, label=_("Channel"))
    request_id = django_filters.CharFilter(lookup_expr="exact", label=_("Request id"))
    since = django_filters.DateFilter(field_name="at", lookup_expr="date__gte", label=_("From"), widget=DATE)
    until = django_filters.DateFilter(field_name="at", lookup_expr="date__lte", label=_("To"), widget=DATE)

    class Meta:
        model = AuditEntry
        fields = []
