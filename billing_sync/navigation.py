"""The billing pages in the staff navigation."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

from crm.ui.navigation import OVERSIGHT, WORK, NavItem, register  # noqa: F401


def register_navigation() -> None:
    pass
