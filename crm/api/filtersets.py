"""Filters of the event-delivery page."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import EventDelivery


class EventDeliveryFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=EventDelivery.Status.choices, label=_("status"))
    api = django_filters.CharFilter(field_name="event__api_name", lookup_expr="iexact", label=_("API"))
    event_type = django_filters.CharFilter(
        field_name="event__event_type", lookup_expr="icontains", label=_("event type")
    )

    class Meta:
        model = EventDelivery
        fields = []
