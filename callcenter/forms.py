"""Forms of the call centre pages: the wrap-up with its ticket, callback and VAS parts, ticket actions, outages, and
the filters of the ticket list."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Area, Region

from . import selectors
from .models import ReasonCategory, TroubleTicket
from .models.calls import InteractionType

TICKET_TYPES = TroubleTicket.TicketType.choices
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class SimulateCallForm(forms.Form):
    calling_number = forms.CharField(label=_("calling number"), max_length=32)


class WrapUpForm(forms.Form):
    """Everything the agent records at the end of a call, submitted at once."""

    interaction_type = forms.ChoiceField(label=_("interaction type"), choices=InteractionType.choices)
    reason = forms.ModelChoiceField(ReasonCategory.objects.filter(is_active=True), label=_("reason"), required=False)
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    outcome = forms.CharField(label=_("outcome"), max_length=200, required=False)

    open_ticket = forms.BooleanField(label=_("Open a ticket"), required=False)
    ticket_type = forms.ChoiceField(label=_("ticket type"), choices=TICKET_TYPES, required=False)
    severity = forms.ChoiceField(
        label=_("severity"), choices=TroubleTicket.Severity.choices, initial="minor", required=False
    )
    product = forms.ModelChoiceField(None, label=_("subscription concerned"), required=False)
    needs_site_visit = forms.BooleanField(label=_("needs a site visit"), required=False)

    schedule_callback = forms.BooleanField(label=_("Schedule a callback"), required=False)
    callback_at = forms.DateTimeField(label=_("call back at"), required=False, widget=DATETIME)

    vas_add_offering = forms.ModelChoiceField(None, label=_("subscribe the VAS"), required=False)
    vas_add_line = forms.ModelChoiceField(None, label=_("on the line"), required=False)
    vas_remove = forms.ModelChoiceField(None, label=_("unsubscribe the VAS"), required=False)

    def __init__(self, *args, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        from orders.models import Product

        self.customer = customer
        products = selectors.live_products(customer) if customer is not None else Product.objects.none()
        self.fields["product"].queryset = products
        self.fields["vas_add_line"].queryset = products.exclude(specification__kind="vas")
        self.fields["vas_remove"].queryset = products.filter(specification__kind="vas")
        self.fields["vas_add_offering"].queryset = selectors.vas_offerings()
        self.fields["reason"].queryset = ReasonCategory.objects.filter(is_active=True).select_related("parent")

    def clean(self):
        data = super().clean()
        reason, kind = data.get("reason"), data.get("interaction_type")
        if reason is not None and kind and reason.interaction_type != kind:
            self.add_error("reason", _("This reason is not one of the chosen interaction type."))
        needs_customer = data.get("open_ticket") or data.get("schedule_callback") or data.get("vas_add_offering")
        if (needs_customer or data.get("vas_remove")) and self.customer is None:
            raise forms.ValidationError(_("Find the customer first."))
        if data.get("open_ticket"):
            if not data.get("ticket_type"):
                self.add_error("ticket_type", _("Choose the ticket type."))
            if not (data.get("notes") or "").strip():
                self.add_error("notes", _("Describe the problem."))
        if data.get("schedule_callback"):
            when = data.get("callback_at")
            if when is None:
                self.add_error("callback_at", _("Choose when to call back."))
            elif when <= timezone.now():
                self.add_error("callback_at", _("Choose a time in the future."))
        if data.get("vas_add_offering") and not data.get("vas_add_line"):
            self.add_error("vas_add_line", _("Choose the line the VAS goes on."))
        return data


class VersionedForm(forms.Form):
    """An edit of a ticket carries the version the agent loaded, so a change made meanwhile is not overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class TicketStatusForm(VersionedForm):
    status = forms.ChoiceField(label=_("new status"), choices=TroubleTicket.Status.choices)
    note = forms.CharField(label=_("note"), max_length=500, required=False)
    resolution = forms.CharField(label=_("resolution"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [c for c in TroubleTicket.Status.choices if c[0] in allowed]


class TicketTransferForm(VersionedForm):
    to_owner = forms.ModelChoiceField(None, label=_("new owner"))
    reason = forms.CharField(label=_("reason for the transfer"), max_length=255)

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_owner"].queryset = selectors.hotline_staff(ticket.region_id).exclude(pk=ticket.owner_id)


class TicketEscalateForm(VersionedForm):
    note = forms.CharField(label=_("why escalate"), max_length=400)


class OutageForm(forms.Form):
    region = forms.ModelChoiceField(Region.objects.none(), label=_("region"))
    area = forms.ModelChoiceField(Area.objects.none(), label=_("area"), required=False)
    access_point = forms.ModelChoiceField(None, label=_("access point"), required=False)
    title = forms.CharField(label=_("title"), max_length=200)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        from orders.models import AccessPoint

        self.fields["region"].queryset = regions
        self.fields["area"].queryset = Area.objects.filter(region__in=regions).select_related("region")
        self.fields["access_point"].queryset = AccessPoint.objects.filter(region__in=regions, is_active=True)

    def clean(self):
        data = super().clean()
        region = data.get("region")
        if not data.get("area") and not data.get("access_point"):
            raise forms.ValidationError(_("Choose the area or the access point affected."))
        for name in ("area", "access_point"):
            if data.get(name) is not None and region is not None and data[name].region_id != region.pk:
                self.add_error(name, _("It is not in the chosen region."))
        return data


class OutageResolveForm(forms.Form):
    resolution = forms.CharField(label=_("resolution"), max_length=500)


class TicketFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Ticket, customer or number"))
    status = django_filters.ChoiceFilter(choices=TroubleTicket.Status.choices, label=_("status"))
    open = django_filters.BooleanFilter(method="filter_open", label=_("open only"))
    ticket_type = django_filters.ChoiceFilter(choices=TICKET_TYPES, label=_("type"))
    severity = django_filters.ChoiceFilter(choices=TroubleTicket.Severity.choices, label=_("severity"))
    regulator_risk = django_filters.BooleanFilter(label=_("regulator risk"))
    owner = django_filters.ChoiceFilter(choices=[("me", _("me"))], method="filter_owner", label=_("owner"))
    owner_id = django_filters.NumberFilter(field_name="owner_id", label=_("owner id"))
    sla = django_filters.ChoiceFilter(
        choices=[(s, s) for s in selectors.SLA_STATES], method="filter_sla", label=_("time limit")
    )

    class Meta:
        model = TroubleTicket
        fields = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(ticket_no=value.upper())
            | Q(customer__customer_no=value.upper())
            | Q(product__service_number=value)
            | Q(customer__party__name__contains=value)
        )

    def filter_open(self, queryset, name, value):
        from .models.tickets import OPEN_TICKET_STATUSES

        if value is None:
            return queryset
        return (
            queryset.filter(status__in=OPEN_TICKET_STATUSES)
            if value
            else queryset.exclude(status__in=OPEN_TICKET_STATUSES)
        )

    def filter_owner(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value == "me" else queryset

    def filter_sla(self, queryset, name, value):
        return queryset.filter(selectors.sla_condition(value, timezone.now())) if value else queryset
