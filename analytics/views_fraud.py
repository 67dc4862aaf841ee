"""Fraud pages (反欺诈): the analysts' alert queue, one alert with its evidence and the verdict form, and the rules
with their precision. Reads through analytics.fraud.selectors, the verdict through analytics.fraud.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.ui.lists import Column, StaffListView

from .fraud import selectors
from .fraud.forms import AlertFilterSet, ReviewForm
from .fraud.services import REVIEW_PERMISSION, FraudReviewError, fraud_alert_review
from .models import FraudAlert

LOOK_PERMISSIONS = ("accounts.view_dashboards", REVIEW_PERMISSION)


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _raised_by(alert: FraudAlert) -> str:
    if alert.rule is not None:
        return alert.rule.name
    return str(selectors.DETECTOR_LABELS.get(alert.detector, alert.detector))


class AlertQueueView(StaffListView):
    """Open alerts by severity, then newest; filters by status, rule, severity, day and region; export."""

    list_key = "fraud_alerts"
    title = gettext_lazy("Fraud alerts")
    template_name = "analytics/fraud/queue.html"
    permission_required = REVIEW_PERMISSION
    filterset_class = AlertFilterSet
    default_sort = "-severity"
    personal_data = True
    columns = [
        Column("alert_no", gettext_lazy("alert"), sort="alert_no",
               link=lambda a: reverse("analytics:fraud_alert", args=[a.pk])),
        Column("severity", gettext_lazy("severity"), sort="severity_rank"),
        Column("rule", gettext_lazy("raised by"), sort="detector", value=_raised_by),
        Column("subject", gettext_lazy("line or customer"), sort="subject"),
        Column("customer.party.name", gettext_lazy("customer"), sort="customer__party__name",
               link=lambda a: reverse("customers:detail", args=[a.customer.customer_no])),
        Column("customer.region.name", gettext_lazy("region"), sort="region_id"),
        Column("day", gettext_lazy("day"), sort="day"),
        Column("score", gettext_lazy("score"), sort="score"),
        Column("status", gettext_lazy("status"), sort="status"),
        Column("created_at", gettext_lazy("raised"), sort="created_at", value=lambda a: _local(a.created_at)),
    ]  # fmt: skip

    def get_base_queryset(self):
        return selectors.alerts_visible_to(self.request.user).select_related("customer__region")

    def ordering_for(self, sort: str) -> list[str]:
        # Severity first, then the newest: an analyst works the worst and freshest cases first.
        return [*super().ordering_for(sort)[:1], "-created_at", "-pk"]


@login_required
def alert_detail(request, pk: int):
    """One alert: what raised it, the evidence in words, the line's day, and the verdict form while it is open."""
    if not request.user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied
    try:
        alert = selectors.alert_for(request.user, pk)
    except FraudAlert.DoesNotExist as exc:
        raise Http404 from exc
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and alert.status == FraudAlert.Status.OPEN and form.is_valid():
        data = form.cleaned_data
        try:
            alert = fraud_alert_review(alert=alert, verdict=data["verdict"], note=data["note"], actor=request.user,
                                       suspend=data["suspend"])  # fmt: skip
        except FraudReviewError as exc:
            form.add_error(None, str(exc))
        else:
            if alert.status == FraudAlert.Status.CONFIRMED:
                done = _("Alert %(no)s confirmed as fraud.") % {"no": alert.alert_no}
                if alert.suspension_order_id:
                    done += " " + _("Suspension ordered.")
            else:
                done = _("Alert %(no)s dismissed.") % {"no": alert.alert_no}
            messages.success(request, done)
            return redirect("analytics:fraud_queue")
    evidence, aggregates = selectors.evidence_rows(alert)
    context = {
        "alert": alert,
        "raised_by": _raised_by(alert),
        "evidence": evidence,
        "aggregates": aggregates,
        "form": form,
    }
    return render(request, "analytics/fraud/alert.html", context)


@login_required
def rules_view(request):
    """The rule base with each rule's alerts, verdicts and precision, and links to tune the rules in the admin."""
    if not any(request.user.has_perm(p) for p in LOOK_PERMISSIONS):
        raise PermissionDenied
    rows = selectors.rule_quality(request.user)
    can_edit = request.user.is_staff and request.user.has_perm("analytics.change_fraudrule")
    return render(request, "analytics/fraud/rules.html", {"rows": rows, "can_edit": can_edit})
