"""The retention work list (挽留工作台): customers by churn risk, high band first, with their top reasons."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy

from crm.ui.lists import Column, StaffListView

from .churn.filtersets import WorklistFilterSet
from .churn.reasons import reason_text
from .churn.selectors import churn_latest_model, churn_latest_run, churn_scores_visible_to

# Account managers and the hotline work the list; analysts and managers look at it.
WORKLIST_PERMISSIONS = (
    "accounts.run_campaigns",
    "accounts.view_dashboards",
    "accounts.manage_key_accounts",
    "accounts.handle_interactions",
)


def reasons_of(score) -> str:
    """The stored reasons rendered again in the reader's language."""
    texts = []
    for reason in score.reasons or []:
        value = reason.get("value")
        texts.append(reason_text(reason.get("feature", ""), float("nan") if value is None else value))
    return "; ".join(texts)


class ChurnWorklistView(StaffListView):
    """Active customers by churn probability (newest scoring run), region-scoped, filterable, exportable."""

    list_key = "churn_worklist"
    title = gettext_lazy("Retention work list")
    template_name = "analytics/churn/worklist.html"
    filterset_class = WorklistFilterSet
    default_sort = "-probability"
    personal_data = True
    columns = [
        Column("customer.customer_no", gettext_lazy("customer"), sort="customer__customer_no",
               link=lambda s: reverse("customers:detail", args=[s.customer.customer_no])),
        Column("customer.party.name", gettext_lazy("name")),
        Column("customer.region.name", gettext_lazy("region"), sort="region_id"),
        Column("customer.service_level", gettext_lazy("level"), sort="customer__service_level",
               value=lambda s: s.customer.get_service_level_display()),
        Column("band", gettext_lazy("risk band"), sort="band", value=lambda s: s.get_band_display()),
        Column("probability", gettext_lazy("churn probability"), sort="probability",
               value=lambda s: f"{s.probability * 100:.1f} %"),
        Column("reasons", gettext_lazy("main reasons"), value=reasons_of),
        Column("customer.account_manager.username", gettext_lazy("account manager"),
               sort="customer__account_manager__username"),
    ]  # fmt: skip

    def has_permission(self) -> bool:
        user = self.request.user
        return user.is_authenticated and any(user.has_perm(p) for p in WORKLIST_PERMISSIONS)

    def get_base_queryset(self):
        return churn_scores_visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        latest = churn_latest_run()
        context["scored_on"] = latest[0] if latest else None
        context["model"] = churn_latest_model()
        return context
