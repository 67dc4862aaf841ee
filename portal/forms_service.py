"""Forms of the portal's service pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TicketForm(forms.Form):
    """A fault report on one of my subscriptions, or a complaint (about one of them or in general)."""

    ticket_type = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("fault", _("Report a fault")), ("complaint", _("File a complaint"))],
        widget=forms.RadioSelect,
    )
    product = forms.ChoiceField(label=_("Subscription"), required=False)
    description = forms.CharField(
        label=_("Describe the problem"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, products, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.products = {p.service_number or p.product_no: p for p in products}
        self.fields["product"].choices = [("", _("— none —"))] + [
            (key, f"{key} · {p.offering.name if p.offering_id else ''}".rstrip(" ·"))
            for key, p in self.products.items()
        ]

    def clean(self):
        data = super().clean()
        key = data.get("product") or ""
        data["product_obj"] = self.products.get(key)
        if data.get("ticket_type") == "fault" and data["product_obj"] is None:
            self.add_error("product", _("Choose the subscription that has the fault."))
        return data
