"""Navigation per role: a registry of items that apps extend from their AppConfig.ready().

An item shows to a user who has *all* of its permissions (role permissions live in crm/accounts/roles.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    permissions: tuple[str, ...] = ()
    section: str | Promise = ""
    order: int = 100
    staff_only: bool = False  # Django admin access (is_staff)
    icon: str = "•"
    url_args: tuple = field(default_factory=tuple)
    any_of: tuple[str, ...] = ()  # besides ``permissions`` (all needed), at least one of these when given

    def url(self) -> str:
        try:
            return reverse(self.url_name, args=self.url_args)
        except NoReverseMatch:
            return "#"

    def visible_to(self, user) -> bool:
        if self.staff_only and not user.is_staff:
            return False
        if self.any_of and not any(user.has_perm(p) for p in self.any_of):
            return False
        return all(user.has_perm(p) for p in self.permissions)


_items: dict[str, NavItem] = {}


def register(item: NavItem) -> NavItem:
    _items[item.key] = item
    return item


def items_for(user) -> list[NavItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    return sorted((i for i in _items.values() if i.visible_to(user)), key=lambda i: (i.order, i.key))


WORK = _("Work")
OVERSIGHT = _("Oversight")
SYSTEM = _("System")

register(NavItem("home", _("Home"), "ui:home", section=WORK, order=0, icon="⌂"))
register(NavItem("search", _("Search"), "ui:search", section=WORK, order=10, icon="⌕"))
register(
    NavItem("audit", _("Audit log"), "audit:list", ("accounts.view_audit_log",), section=OVERSIGHT, order=500, icon="≡")
)
register(
    NavItem("api-docs", _("API documentation"), "api-docs", ("accounts.manage_configuration",), SYSTEM, 800, icon="{}")
)
register(
    NavItem(
        "event-deliveries",
        _("Event deliveries"),
        "api-ops:event_deliveries",
        ("accounts.manage_event_deliveries",),
        SYSTEM,
        850,
        icon="⇄",
    )
)
register(NavItem("admin", _("Administration"), "admin:index", section=SYSTEM, order=900, staff_only=True, icon="⚙"))
