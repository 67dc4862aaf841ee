"""Credit pages (信用度/坏账): the newest credit scores of the model in use with their reasons, the model's KS/AUC,
the grades, and how ratings are used (order line limits, dunning grace by rating)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from crm.ui.lists import Column, StaffListView

from .credit import selectors
from .credit.forms import CreditScoreFilterSet

LOOK = "accounts.view_dashboards"


def _reasons(score) -> str:
    return "; ".join(f"{r.get('text', r.get('feature'))} ({r.get('points')})" for r in score.reasons or [])


class CreditScoreListView(StaffListView):
    """Customers' credit scores, lowest first; filter by grade and score; export."""

    list_key = "credit_scores"
    title = gettext_lazy("Credit scores")
    template_name = "analytics/credit/scores.html"
    permission_required = LOOK
    filterset_class = CreditScoreFilterSet
    default_sort = "score"
    personal_data = True
    columns = [
        Column("customer.party.name", gettext_lazy("customer"), sort="customer__party__name",
               link=lambda s: reverse("customers:detail", args=[s.customer.customer_no])),
        Column("customer.customer_no", gettext_lazy("customer number"), sort="customer__customer_no"),
        Column("customer.region.name", gettext_lazy("region"), sort="customer__region__code"),
        Column("score", gettext_lazy("score"), sort="score"),
        Column("grade", gettext_lazy("grade"), sort="grade"),
        Column("bad_debt_probability", gettext_lazy("bad-debt probability"), sort="bad_debt_probability",
               value=lambda s: f"{100 * s.bad_debt_probability:.1f} %"),
        Column("reasons", gettext_lazy("reasons"), value=_reasons),
    ]  # fmt: skip

    def get_base_queryset(self):
        self.model_version = selectors.credit_model_in_use()
        return selectors.credit_scores_visible_to(self.request.user, self.model_version)

    def get_context_data(self, **kwargs):
        from billing_sync.models import DunningCreditBand
        from orders.models import CreditLineLimit

        context = super().get_context_data(**kwargs)
        context.update(
            {
                "model_version": self.model_version,
                "grades": sorted(selectors.grade_counts(self.get_base_queryset()).items()),
                "line_limits": CreditLineLimit.objects.order_by("min_rating"),
                "dunning_bands": DunningCreditBand.objects.order_by("min_rating"),
            }
        )
        return context
