"""The billing pages in the staff navigation."""

from django.utils.translation import gettext_lazy as _

from crm.ui.navigation import OVERSIGHT, WORK, NavItem, register


def register_navigation() -> None:
    register(NavItem("payments", _("Payments"), "payments:index", ("accounts.take_payments",), WORK, 41, icon="⊕"))
    register(
        NavItem("collections", _("Collections"), "collections:list", ("accounts.manage_collections",), WORK, 42,
                icon="¥")
    )  # fmt: skip
    register(
        NavItem("billing-feeds", _("Billing feeds"), "billing_feeds:list", ("accounts.view_billing_feeds",), OVERSIGHT,
                470, icon="⇵")
    )  # fmt: skip
    pass
