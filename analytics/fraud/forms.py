"""The analyst queue's filters and the verdict form."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Region
from crm.accounts.selectors import regions_visible_to, scoped_region

from ..models import FraudAlert
from ..models.fraud import Severity
from .selectors import detector_choices

STATUS_ALL = "all"


class AlertFilterSet(django_filters.FilterSet):
    """Open alerts unless another status is chosen; rule, severity, day and (province staff) region."""

    status = django_filters.ChoiceFilter(
        choices=[*FraudAlert.Status.choices, (STATUS_ALL, _("all"))], method="filter_status", label=_("status"),
        empty_label=None,
    )  # fmt: skip
    detector = django_filters.ChoiceFilter(choices=[], label=_("rule"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("severity"))
    day = django_filters.DateFilter(field_name="day", label=_("day"), widget=forms.DateInput(attrs={"type": "date"}))
    region = django_filters.ModelChoiceFilter(field_name="region_id", queryset=Region.objects.none(), label=_("region"),
                                              method="filter_region")  # fmt: skip

    class Meta:
        model = FraudAlert
        fields = []

    def __init__(self, data=None, *args, request=None, **kwargs):
        if data is not None and not data.get("status"):
            data = data.copy()
            data["status"] = FraudAlert.Status.OPEN
        super().__init__(data, *args, request=request, **kwargs)
        self.filters["detector"].extra["choices"] = detector_choices()
        if request is not None and scoped_region(request.user) is None:
            self.filters["region"].queryset = regions_visible_to(request.user).order_by("code")
        else:
            del self.filters["region"]

    def filter_status(self, queryset, name, value):
        return queryset if value == STATUS_ALL else queryset.filter(status=value)

    def filter_region(self, queryset, name, value):
        return queryset.filter(region_id=value.pk) if value else queryset


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("verdict"),
        choices=[(FraudAlert.Status.CONFIRMED, _("Confirm fraud")), (FraudAlert.Status.DISMISSED, _("Dismiss"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    suspend = forms.BooleanField(label=_("Suspend the line (confirmed fraud only)"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("suspend") and data.get("verdict") != FraudAlert.Status.CONFIRMED:
            raise forms.ValidationError(_("Only confirmed fraud suspends the line."))
        if data.get("verdict") == FraudAlert.Status.DISMISSED and not (data.get("note") or "").strip():
            self.add_error("note", _("Say why the alert is not fraud: the rule owners read these notes."))
        return data
