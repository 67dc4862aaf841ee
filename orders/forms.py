"""The counter's order form (受理单): one form for every order type; which fields a type asks for is a table."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import OrderType, ProductOrder

# The fields each order type asks the clerk for, in the order they appear.
FIELDS_BY_TYPE: dict[str, tuple[str, ...]] = {
    OrderType.NEW: ("offering", "address", "service_number", "appointment_at", "payment_method"),
    OrderType.CHANGE: ("product", "offering", "payment_method"),
    OrderType.MOVE: ("product", "address", "appointment_at", "payment_method"),
    OrderType.TRANSFER: ("product", "new_owner", "presented_id"),
    OrderType.SUSPEND: ("product",),
    OrderType.RESUME: ("product",),
    OrderType.TERMINATE: ("product", "presented_id"),
    OrderType.VAS_ADD: ("product", "offering"),
    OrderType.VAS_REMOVE: ("product",),
    OrderType.PORT_OUT: ("product", "presented_id"),
    OrderType.PORT_IN: ("offering", "service_number", "payment_method"),
}
REQUIRED = {"offering", "address", "product", "new_owner", "presented_id"}


class OrderForm(forms.Form):
    offering = forms.IntegerField(label=_("Offering"), required=False)
    address = forms.IntegerField(label=_("Install address"), required=False)
    product = forms.IntegerField(label=_("Subscription"), required=False)
    new_owner = forms.CharField(label=_("New owner's customer number"), max_length=20, required=False)
    presented_id = forms.CharField(label=_("Number on the owner's ID card"), max_length=32, required=False)
    service_number = forms.CharField(label=_("Service number"), max_length=32, required=False,
                                     help_text=_("Leave empty to allocate a free number."))  # fmt: skip
    appointment_at = forms.DateTimeField(
        label=_("Appointment with the customer"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )  # fmt: skip
    payment_method = forms.ChoiceField(label=_("Payment"), choices=ProductOrder.PaymentMethod.choices, required=False)
    description = forms.CharField(
        label=_("Notes"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    override_arrears = forms.BooleanField(label=_("Override the arrears block"), required=False)
    override_reason = forms.CharField(label=_("Reason for the override"), max_length=255, required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(self, *args, order_type: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_type = order_type
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
        self.asked = FIELDS_BY_TYPE[order_type]
        if order_type == OrderType.PORT_IN:
            self.fields["service_number"].label = _("Number being ported in")
            self.fields["service_number"].help_text = ""

    def clean(self):
        data = super().clean()
        for name in self.asked:
            required = name in REQUIRED or (name == "service_number" and self.order_type == OrderType.PORT_IN)
            if required and not data.get(name):
                self.add_error(name, _("This field is required."))
        if data.get("override_arrears") and not (data.get("override_reason") or "").strip():
            self.add_error("override_reason", _("Give the reason for the override."))
        return data
