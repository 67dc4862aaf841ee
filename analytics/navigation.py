"""The analytics pages in the staff navigation."""

from django.utils.translation import gettext_lazy as _

from crm.ui.navigation import OVERSIGHT, NavItem, register


def register_navigation() -> None:
    register(
        NavItem("analytics-jobs", _("Analytics jobs"), "analytics:jobs", ("accounts.view_dashboards",), OVERSIGHT,
                480, icon="⚙")
    )  # fmt: skip
