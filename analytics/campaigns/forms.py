"""The campaign form of the analyst's pages: what the campaign is, whom it targets (each criterion a multiple choice
taken from the table that defines it), its offers, channels, texts, period, budget and control group."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analytics.models import Campaign
from analytics.models.scores import RiskBand
from analytics.segments.rfm import SEGMENTS
from crm.accounts.selectors import regions_visible_to, scoped_region
from customers.models import ActivityGroup, ServiceLevel
from orders.models import ProductOffering, ProductSpecification
from orders.models.catalog import SELLABLE_STATUSES

from .services import TARGET_KEYS, TEXT_CHANNELS

CHANNEL_CHOICES = [
    ("outbound_call", gettext_lazy("Outbound call list (agents)")),
    ("sms", gettext_lazy("SMS")),
    ("hall_prompt", gettext_lazy("Hall prompt (on the 360 view at the counter)")),
    ("portal_banner", gettext_lazy("Portal banner")),
]
CHANNEL_LABELS = dict(CHANNEL_CHOICES)
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OfferingChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, monthly=None, **kwargs):
        self.monthly = monthly or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: ProductOffering) -> str:
        fee = self.monthly.get(obj.pk)
        return f"{obj.code} · {obj.name}" + (f" · ¥{fee}/" + _("month") if fee is not None else "")


class CampaignForm(forms.ModelForm):
    """A draft campaign. ``target()`` gives the target dict the audience and the preview read."""

    lenient = False  # the preview's variant: only what the preview reads

    code = forms.SlugField(
        label=gettext_lazy("Code"), max_length=40, required=False,
        help_text=gettext_lazy("Letters, digits and hyphens; left empty, one is suggested from the goal and month."),
    )  # fmt: skip
    churn_bands = forms.MultipleChoiceField(
        label=gettext_lazy("Churn-risk bands"), choices=RiskBand.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    levels = forms.MultipleChoiceField(
        label=gettext_lazy("Service levels"), choices=ServiceLevel.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    segments = forms.MultipleChoiceField(
        label=gettext_lazy("Segments (RFM)"), choices=[(s.code, s.label) for s in SEGMENTS], required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    value_groups = forms.MultipleChoiceField(
        label=gettext_lazy("Value groups"), choices=ActivityGroup.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    regions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Regions"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    product_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Holds a live product of kind"), choices=ProductSpecification.Kind.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"), choices=CHANNEL_CHOICES, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choose at least one channel.")},
    )  # fmt: skip

    class Meta:
        model = Campaign
        fields = [
            "name", "code", "goal", "offerings", "channels", "script", "message", "starts_on", "ends_on", "budget",
            "holdout_percent",
        ]  # fmt: skip
        widgets = {
            "starts_on": DATE_INPUT,
            "ends_on": DATE_INPUT,
            "script": forms.Textarea(attrs={"rows": 4}),
            "message": forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
        }
        help_texts = {
            "holdout_percent": gettext_lazy("Customers kept out at random (never contacted) to measure the effect."),
            "message": gettext_lazy("Required for SMS and the portal banner."),
        }

    def __init__(self, *args, user=None, **kwargs):
        from orders.selectors.catalog import monthly_prices

        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["regions"].queryset = regions_visible_to(user).order_by("code")
        if self.lenient:
            return
        self.fields["offerings"] = OfferingChoiceField(
            label=gettext_lazy("Offers"),
            queryset=ProductOffering.objects.filter(lifecycle_status__in=SELLABLE_STATUSES).order_by("code"),
            required=False,
            monthly=monthly_prices(),
            widget=forms.SelectMultiple(attrs={"size": 8}),
            help_text=gettext_lazy("Hold Ctrl (⌘) to choose several; an accepted offer becomes an order."),
        )
        self.fields["holdout_percent"].min_value = 1
        self.fields["holdout_percent"].max_value = 50
        if self.instance.pk:
            self.fields["code"].disabled = True  # other records (contact log, orders) refer to it
            target = self.instance.target or {}
            for key in TARGET_KEYS:
                self.initial.setdefault(key, target.get(key, []))

    def clean_budget(self):
        budget = self.cleaned_data.get("budget")
        if budget is not None and budget < 0:
            raise forms.ValidationError(_("The budget cannot be negative."))
        return budget

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The campaign cannot end before it starts."))
        chosen = set(cleaned.get("channels") or [])
        if chosen & set(TEXT_CHANNELS) and not (cleaned.get("message") or "").strip():
            self.add_error("message", _("SMS and portal banners need the text the customer sees."))
        if not self.instance.pk and not cleaned.get("code"):
            from .selectors import campaign_code_suggest

            cleaned["code"] = campaign_code_suggest(cleaned.get("goal") or "", starts)
        return cleaned

    def target(self) -> dict:
        return _target(self.cleaned_data, self.user)

    def fields_for_service(self) -> dict:
        """The cleaned values as the create/update services take them."""
        names = ("name", "goal", "channels", "script", "message", "starts_on", "ends_on", "budget", "holdout_percent")
        return {name: self.cleaned_data[name] for name in names} | {"target": self.target()}


def _target(data: dict, user) -> dict:
    target = {key: list(data.get(key) or []) for key in TARGET_KEYS if key != "regions"}
    target["regions"] = [r.pk for r in data.get("regions") or []]
    region = scoped_region(user) if user is not None else None
    if region is not None and not target["regions"]:
        target["regions"] = [region.pk]  # a regional analyst's campaign stays in their region
    return target


PREVIEW_FIELDS = (*TARGET_KEYS, "goal", "channels", "holdout_percent")


class PreviewForm(CampaignForm):
    """The target, channels and control group read leniently for the audience preview while the analyst edits:
    nothing is required and an invalid criterion is left out."""

    lenient = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in PREVIEW_FIELDS:
                del self.fields[name]
            else:
                self.fields[name].required = False

    def clean(self):
        return self.cleaned_data

    def preview_args(self) -> dict:
        self.is_valid()
        data = self.cleaned_data
        holdout = data.get("holdout_percent")
        return {
            "target": _target(data, self.user),
            "holdout_percent": holdout if holdout and 1 <= holdout <= 50 else 10,
            "channels": list(data.get("channels") or []),
            "goal": data.get("goal") or "",
        }
