"""The call centre pages in the staff navigation."""

from django.utils.translation import gettext_lazy as _

from crm.ui.navigation import OVERSIGHT, WORK, NavItem, register


def register_navigation() -> None:
    register(NavItem("hotline-desktop", _("Agent desktop"), "callcenter:desktop", ("accounts.handle_interactions",),
                     WORK, 20, icon="☎"))  # fmt: skip
    register(NavItem("hotline-tickets", _("Tickets"), "callcenter:tickets", ("accounts.handle_interactions",), WORK, 22,
                     icon="⚑"))  # fmt: skip
    register(NavItem("campaign-calls", _("Campaign calls"), "callcenter:campaign_calls",
                     ("accounts.handle_interactions",), WORK, 23, icon="✆"))  # fmt: skip
    register(NavItem("knowledge", _("Knowledge base"), "callcenter:knowledge", ("accounts.handle_interactions",), WORK,
                     24, icon="?"))  # fmt: skip
    register(NavItem("hotline-supervisor", _("Hotline supervisor"), "callcenter:supervisor",
                     ("accounts.supervise_hotline",), OVERSIGHT, 410, icon="◎"))  # fmt: skip
    register(NavItem("outages", _("Outages"), "callcenter:outages", ("accounts.dispatch_work_orders",), WORK, 44,
                     icon="⚡"))  # fmt: skip
