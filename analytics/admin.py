"""Admin screens of the analytical CRM. Each topic keeps its own classes in its own section."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .fraud.detectors import DEFAULT_PARAMS, ParamsError, params_for
from .models import FraudAlert, FraudRule, NumberRange

# --- fraud: the rule base (tuned here) and the alerts (read-mostly) -----------------------------------------------


class FraudRuleForm(forms.ModelForm):
    """Parameters are JSON; they are checked against the detector so a typo does not silently disable a rule."""

    class Meta:
        model = FraudRule
        fields = ["code", "name", "detector", "params", "reason_code", "severity", "enabled", "fast", "description"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        known = "; ".join(f"{d}: {json.dumps(p, ensure_ascii=False)}" for d, p in DEFAULT_PARAMS.items())
        self.fields["params"].help_text = _("Parameters of the detector, as JSON. Defaults: %(known)s") % {
            "known": known
        }

    def clean(self):
        data = super().clean()
        detector, params = data.get("detector"), data.get("params")
        if detector and params is not None:
            if not isinstance(params, dict):
                self.add_error("params", _("Parameters are a JSON object."))
            else:
                try:
                    params_for(detector, params)
                except ParamsError as exc:
                    self.add_error("params", str(exc))
        return data


@admin.register(FraudRule)
class FraudRuleAdmin(admin.ModelAdmin):
    form = FraudRuleForm
    list_display = ("code", "name", "detector", "severity", "reason_code", "enabled", "fast", "updated_at")
    list_filter = ("detector", "severity", "enabled", "fast")
    list_editable = ("enabled",)
    search_fields = ("code", "name", "reason_code")
    readonly_fields = ("updated_at",)


@admin.register(FraudAlert)
class FraudAlertAdmin(admin.ModelAdmin):
    """Alerts are raised by the runs and reviewed on the analyst queue; here they are looked up, not edited."""

    list_display = ("alert_no", "detector", "severity", "subject", "day", "status", "score", "created_at")
    list_filter = ("status", "severity", "detector", "day")
    search_fields = ("alert_no", "subject", "customer__customer_no")
    date_hierarchy = "day"
    list_select_related = ("customer",)
    raw_id_fields = ("customer", "product", "rule", "reviewed_by", "suspension_order", "job")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False


# --- competitor analysis: the number ranges per network (号段), data the business keeps up to date -----------------


@admin.register(NumberRange)
class NumberRangeAdmin(admin.ModelAdmin):
    list_display = ("prefix", "operator", "is_own", "note")
    list_filter = ("operator", "is_own")
    search_fields = ("prefix", "note")
