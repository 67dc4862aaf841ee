"""Forms of the offer-simulation pages: a proposal (prices and target population) and a run for a month."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models.simulation import OfferProposal
from analytics.segments.rfm import SEGMENTS
from crm.accounts.models import Region
from customers.models import ServiceLevel
from orders.models import ProductSpecification


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


class OfferProposalForm(forms.ModelForm):
    """The proposal's prices (model validators: non-negative, discount 0–100) and its target as separate fields."""

    regions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Regions"), queryset=Region.objects.order_by("code"), required=False
    )
    levels = forms.MultipleChoiceField(
        label=gettext_lazy("Service levels"), choices=ServiceLevel.choices, required=False
    )
    segments = forms.MultipleChoiceField(
        label=gettext_lazy("Segments"), choices=[(s.code, s.label) for s in SEGMENTS], required=False
    )
    offerings = forms.CharField(
        label=gettext_lazy("Current offering codes"),
        required=False,
        help_text=gettext_lazy("Comma-separated; empty means any."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Product kind"),
        choices=[("", gettext_lazy("Any")), *ProductSpecification.Kind.choices],
        required=False,
    )

    class Meta:
        model = OfferProposal
        fields = [
            "name", "recurring_fee", "included_minutes", "included_data_mb", "included_sms",
            "price_per_minute", "price_per_mb", "price_per_sms", "discount_percent",
        ]  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        for name in ("recurring_fee", "discount_percent"):
            value = cleaned.get(name)
            if value is not None and value < 0:
                self.add_error(name, _("Must not be negative."))
        return cleaned

    def target(self) -> dict:
        data = self.cleaned_data
        return {
            "regions": [r.pk for r in data.get("regions") or []],
            "levels": list(data.get("levels") or []),
            "segments": list(data.get("segments") or []),
            "offerings": _codes(data.get("offerings") or ""),
            "kind": data.get("kind") or "",
        }


class SimulationRunForm(forms.Form):
    """Which past month to re-rate, and the take-up rule's parameters."""

    month = forms.DateField(label=gettext_lazy("Month (any day in it)"), widget=forms.DateInput(attrs={"type": "date"}))
    min_saving_percent = forms.FloatField(
        label=gettext_lazy("Likely to take it up when saving more than (%)"), initial=10, min_value=0, max_value=100
    )
    base_probability = forms.FloatField(
        label=gettext_lazy("Take-up probability of a likely customer"), initial=0.5, min_value=0, max_value=1
    )

    def clean_month(self):
        month = self.cleaned_data["month"].replace(day=1)
        if month >= timezone.localdate().replace(day=1):
            raise forms.ValidationError(_("Choose a past, fully billed month."))
        return month
