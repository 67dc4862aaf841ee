"""The feedback pages in the staff navigation."""

from django.utils.translation import gettext_lazy as _

from crm.ui.navigation import OVERSIGHT, WORK, NavItem, register


def register_navigation() -> None:
    register(
        NavItem("care-tasks", _("Care tasks"), "feedback:care_tasks", ("accounts.handle_interactions",), WORK, 55,
                icon="♡")
    )  # fmt: skip
    register(
        NavItem("satisfaction", _("Satisfaction"), "feedback:satisfaction", ("accounts.view_dashboards",), OVERSIGHT,
                440, icon="☺")
    )  # fmt: skip
