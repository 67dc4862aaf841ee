"""The customer pages in the staff navigation."""

from django.utils.translation import gettext_lazy as _

from crm.ui.navigation import OVERSIGHT, WORK, NavItem, register


def register_navigation() -> None:
    register(NavItem("customers", _("Customers"), "customers:list", ("accounts.search_customers",), WORK, 20, icon="☺"))
    register(
        NavItem("portfolio", _("My key accounts"), "customers:portfolio", ("accounts.manage_key_accounts",), WORK, 25,
                icon="★")
    )  # fmt: skip
    register(
        NavItem("cross-region-lookup", _("Cross-region lookup"), "customers:cross_region_lookup",
                ("accounts.cross_region_lookup",), OVERSIGHT, 450, icon="⇆")
    )  # fmt: skip
    register(
        NavItem("customer-imports", _("Import customers"), "customer_imports:upload",
                ("accounts.manage_configuration",), WORK, 28, icon="⇧")
    )  # fmt: skip
    register(
        NavItem("exports", _("Export approvals"), "ui:export_approvals", ("accounts.export_lists",), OVERSIGHT, 460,
                icon="⇩")
    )  # fmt: skip
