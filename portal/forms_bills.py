"""The filter of the portal's usage details (详单): a month, or a date range of at most 31 days; type; number prefix."""

from __future__ import annotations

import datetime

from django import forms
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing_sync.models.usage import UsageType

from .selectors import USAGE_MAX_DAYS


class UsageFilterForm(forms.Form):
    """Which records to show; ``months`` are those with records (this month is always offered, the default)."""

    month = forms.ChoiceField(label=_("Month"), required=False)
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    type = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("All")), *UsageType.choices])
    number = forms.CharField(
        label=_("Other party's number"), required=False, max_length=20,
        validators=[RegexValidator(r"^\+?[0-9]+$", _("Digits only (the start of the number is enough)."))],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": _("e.g. 139")}),
    )  # fmt: skip

    def __init__(self, data, *, months: list[datetime.date], today: datetime.date | None = None):
        super().__init__(data)
        self.this_month = (today or timezone.localdate()).replace(day=1)
        firsts = sorted(set(months) | {self.this_month}, reverse=True)
        self.fields["month"].choices = [(f"{m:%Y-%m}", f"{m:%Y-%m}") for m in firsts]
        self.fields["month"].initial = f"{self.this_month:%Y-%m}"
        self.months = {f"{m:%Y-%m}": m for m in firsts}

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None) and not self.has_error("start") and not self.has_error("end"):
            raise forms.ValidationError(_("Give both dates of the range, or choose a month."))
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (end - start).days + 1 > USAGE_MAX_DAYS:
                raise forms.ValidationError(_("A date range covers at most %(days)d days.") % {"days": USAGE_MAX_DAYS})
        return data

    def period(self) -> tuple[datetime.date, datetime.date]:
        """The first and last day asked for (valid form): the range if given, else the month (this one by default)."""
        data = self.cleaned_data
        if data.get("start") and data.get("end"):
            return data["start"], data["end"]
        first = self.months.get(data.get("month") or "", self.this_month)
        last = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
        return first, last
