"""Filters of the credit score list."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from analytics.models import CreditScore

from .scorecard import GRADES


class CreditScoreFilterSet(django_filters.FilterSet):
    grade = django_filters.ChoiceFilter(label=_("grade"), choices=[(g, g) for _floor, g in GRADES])
    max_score = django_filters.NumberFilter(field_name="score", lookup_expr="lte", label=_("score at most"))
    customer = django_filters.CharFilter(field_name="customer__customer_no", label=_("customer number"))

    class Meta:
        model = CreditScore
        fields: list[str] = []
