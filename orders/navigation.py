"""The ordering pages in the staff navigation."""

from django.utils.translation import gettext_lazy as _

from crm.ui.navigation import OVERSIGHT, WORK, NavItem, register


def register_navigation() -> None:
    register(NavItem("new-order", _("New order"), "orders:new", ("accounts.take_orders",), WORK, 30, icon="＋"))
    register(NavItem("orders", _("Orders"), "orders:list", ("accounts.search_customers",), WORK, 32, icon="☰"))
    register(
        NavItem("second-checks", _("Second checks"), "orders:second_checks", ("accounts.approve_sensitive",),
                OVERSIGHT, 420, icon="✓")
    )  # fmt: skip
    register(
        NavItem("dispatch", _("Dispatch board"), "orders:dispatch_board", ("accounts.dispatch_work_orders",), WORK, 40,
                icon="▦")
    )  # fmt: skip
    register(
        NavItem("back-office", _("Back-office tasks"), "orders:back_office", ("accounts.dispatch_work_orders",), WORK,
                42, icon="☑")
    )  # fmt: skip
    register(
        NavItem("my-work", _("My work orders"), "orders:field_list", ("accounts.work_field_orders",), WORK, 45,
                icon="⚒")
    )  # fmt: skip
    register(
        NavItem("commissions", _("Outlet commissions"), "orders:commissions", ("accounts.view_dashboards",),
                OVERSIGHT, 430, icon="¥")
    )  # fmt: skip
    register(
        NavItem("time-limits", _("Time-limit KPIs"), "orders:sla_kpis", ("accounts.view_dashboards",), OVERSIGHT, 435,
                icon="⏱")
    )  # fmt: skip
