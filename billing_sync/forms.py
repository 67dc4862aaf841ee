"""Filters of the collection lists and the small forms of a dunning case's actions."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Region
from crm.accounts.selectors import regions_visible_to, scoped_region

from .models import CollectionTask, DunningCase, DunningPhase, WriteOff
from .selectors.collections import BUCKETS, bucket_condition
from .services.collections import MAX_INSTALMENTS, MIN_INSTALMENTS


class CaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Customer or account"))
    bucket = django_filters.ChoiceFilter(
        choices=[(key, label) for key, label, _f, _l in BUCKETS], method="filter_bucket", label=_("age")
    )
    phase = django_filters.ChoiceFilter(choices=[], label=_("phase"))
    status = django_filters.ChoiceFilter(
        choices=[(s.value, s.label) for s in DunningCase.Status if s in ("open", "paused", "legal")], label=_("status")
    )
    region = django_filters.ModelChoiceFilter(queryset=Region.objects.none(), label=_("region"))
    agency = django_filters.CharFilter(method="filter_agency", label=_("agency"))
    min_amount = django_filters.NumberFilter(field_name="arrears", lookup_expr="gte", label=_("arrears from (yuan)"))
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("my cases"))

    class Meta:
        model = DunningCase
        fields = []

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        self.filters["phase"].extra["choices"] = [(0, _("not yet in a phase"))] + [
            (p.number, str(p)) for p in DunningPhase.objects.order_by("number")
        ]
        if request is not None and scoped_region(request.user) is None:
            self.filters["region"].queryset = regions_visible_to(request.user).order_by("code")
        else:
            del self.filters["region"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(account__account_no=value.upper())
            | Q(customer__customer_no=value.upper())
            | Q(customer__party__name__contains=value)
        )

    def filter_bucket(self, queryset, name, value):
        return queryset.filter(bucket_condition(value, timezone.localdate())) if value else queryset

    def filter_agency(self, queryset, name, value):
        value = value.strip()
        if value == "-":
            return queryset.filter(agency="")
        return queryset.filter(agency__icontains=value) if value else queryset

    def filter_mine(self, queryset, name, value):
        return queryset.filter(assigned_to=self.request.user) if value else queryset


class TaskFilterSet(django_filters.FilterSet):
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("assigned to me"))
    kind = django_filters.ChoiceFilter(choices=CollectionTask.Kind.choices, label=_("kind"))

    class Meta:
        model = CollectionTask
        fields = []

    def filter_mine(self, queryset, name, value):
        return queryset.filter(assigned_to=self.request.user) if value else queryset


OUTCOMES = [(value, label) for value, label in CollectionTask.Outcome.choices if value]


class ContactForm(forms.Form):
    task = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(label=_("result"), choices=OUTCOMES)
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class PromiseForm(forms.Form):
    promised_on = forms.DateField(label=_("promised date"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("amount (yuan)"), max_digits=12, decimal_places=2, min_value=0.01)


class InstalmentForm(forms.Form):
    count = forms.IntegerField(label=_("monthly instalments"), min_value=MIN_INSTALMENTS, max_value=MAX_INSTALMENTS)
    first_due = forms.DateField(label=_("first instalment due"), widget=forms.DateInput(attrs={"type": "date"}))


def collectors_of(region_id: int):
    """Active staff of the region whose role works the collection lists."""
    from django.contrib.auth import get_user_model

    from crm.accounts.roles import ROLE_PERMISSIONS

    roles = [role for role, perms in ROLE_PERMISSIONS.items() if "manage_collections" in perms]
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__region_id=region_id, staff_profile__role__in=roles)
        .order_by("username")
    )


class AssignForm(forms.Form):
    collector = forms.ModelChoiceField(label=_("collector"), queryset=None)

    def __init__(self, *args, region_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collector"].queryset = collectors_of(region_id)


class AgencyForm(forms.Form):
    agency = forms.CharField(label=_("collection agency"), max_length=100)


class WriteOffRequestForm(forms.Form):
    reason = forms.CharField(label=_("reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class WriteOffDecisionForm(forms.Form):
    write_off = forms.ModelChoiceField(queryset=WriteOff.objects.filter(state="requested"), widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    note = forms.CharField(label=_("note"), max_length=300, required=False)
