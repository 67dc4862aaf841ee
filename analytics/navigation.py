"""The analytics pages in the staff navigation."""

from django.utils.translation import gettext_lazy as _

from crm.ui.navigation import OVERSIGHT, WORK, NavItem, register


def register_navigation() -> None:
    register(
        NavItem("dashboards", _("Dashboards"), "analytics:dashboards", ("accounts.view_dashboards",), OVERSIGHT, 400,
                icon="▦")
    )  # fmt: skip
    register(
        NavItem("analytics-fraud", _("Fraud alerts"), "analytics:fraud_queue", ("accounts.review_fraud_alerts",),
                OVERSIGHT, 476, icon="⚠")
    )  # fmt: skip
    register(
        NavItem("analytics-churn", _("Retention work list"), "analytics:churn_worklist", (), WORK, 45, icon="↺",
                any_of=("accounts.view_dashboards", "accounts.run_campaigns", "accounts.manage_key_accounts",
                        "accounts.handle_interactions"))
    )  # fmt: skip
    register(
        NavItem("analytics-segments", _("Customer segments"), "analytics:segments", ("accounts.view_dashboards",),
                OVERSIGHT, 478, icon="◔")
    )  # fmt: skip
    register(
        NavItem("analytics-credit", _("Credit scores"), "analytics:credit_scores", ("accounts.view_dashboards",),
                OVERSIGHT, 479, icon="✓")
    )  # fmt: skip
    register(
        NavItem("analytics-simulation", _("Offer simulation"), "analytics:simulation",
                ("accounts.run_campaigns",), OVERSIGHT, 483, icon="≈")
    )  # fmt: skip
    register(
        NavItem("analytics-campaigns", _("Campaigns"), "analytics:campaigns", ("accounts.run_campaigns",), OVERSIGHT,
                484, icon="✉")
    )  # fmt: skip
    register(
        NavItem("analytics-features", _("Customer features"), "analytics:feature_catalog",
                ("accounts.view_dashboards",), OVERSIGHT, 481, icon="≣")
    )  # fmt: skip
    register(
        NavItem("analytics-jobs", _("Analytics jobs"), "analytics:jobs", ("accounts.view_dashboards",), OVERSIGHT,
                480, icon="⚙")
    )  # fmt: skip
