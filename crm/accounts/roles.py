"""The staff roles and what each may do: defined once, here, and turned into Django groups.

Permissions are codenames on ``accounts.StaffProfile`` (see its Meta.permissions); API scopes are
what a role's session may do on the REST API (API tokens carry their own scopes).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    HALL_CLERK = "hall_clerk", _("Hall clerk")  # 营业员
    CALL_AGENT = "call_agent", _("Call agent")  # 话务员
    DISPATCHER = "dispatcher", _("Dispatcher")  # 调度
    FIELD_TECHNICIAN = "field_technician", _("Field technician")  # 装维
    ACCOUNT_MANAGER = "account_manager", _("Account manager")  # 客户经理
    MARKETING_ANALYST = "marketing_analyst", _("Marketing analyst")  # 市场分析
    MANAGER = "manager", _("Manager")  # 管理人员
    ADMIN = "admin", _("Administrator")  # 系统管理员
    API_CLIENT = "api_client", _("API client")  # 接口系统


# Custom permissions (codename, English name); the Chinese name comes from the translation catalogue.
PERMISSIONS: list[tuple[str, str]] = [
    ("search_customers", "Search and view customers"),
    ("reveal_personal_data", "Reveal masked personal data (audited)"),
    ("cross_region_lookup", "Look up customers of another region (audited)"),
    ("export_lists", "Export lists to CSV/Excel"),
    ("take_orders", "Take orders at the counter"),
    ("take_payments", "Take payments"),
    ("override_arrears", "Override the arrears block on an order (audited, second check)"),
    ("handle_interactions", "Handle hotline interactions and tickets"),
    ("dispatch_work_orders", "Dispatch work orders"),
    ("work_field_orders", "Work assigned field orders"),
    ("manage_key_accounts", "Manage a key-account portfolio"),
    ("run_campaigns", "Run segments, campaigns and analytics work lists"),
    ("view_dashboards", "View dashboards and KPIs"),
    ("view_audit_log", "View and export the audit log"),
    ("approve_sensitive", "Approve sensitive operations (second check)"),
    ("manage_configuration", "Manage catalog, rules and configuration"),
    ("edit_knowledge", "Edit the knowledge base"),
    ("supervise_hotline", "Supervise the hotline: queues, escalations, ownership transfers"),
    ("manage_event_deliveries", "See and replay API event deliveries"),
    ("manage_collections", "Work the arrears collection lists (催缴)"),
    ("view_billing_feeds", "See billing feed batches and their rejected rows"),
    ("review_fraud_alerts", "Review fraud alerts: confirm, dismiss, suspend (反欺诈)"),
    ("manage_analytics_models", "Promote analytics model versions and start any analytics job"),
]

ROLE_PERMISSIONS: dict[str, set[str]] = {
    # Clerks check the ID card at the counter (实名制, 过户): they may reveal it, and each reveal is audited.
    Role.HALL_CLERK: {
        "search_customers",
        "reveal_personal_data",
        "take_orders",
        "take_payments",
        "export_lists",
        "override_arrears",
        "manage_collections",
    },
    Role.CALL_AGENT: {"search_customers", "handle_interactions"},
    Role.DISPATCHER: {"search_customers", "dispatch_work_orders", "export_lists", "view_dashboards"},
    Role.FIELD_TECHNICIAN: {"work_field_orders"},
    Role.ACCOUNT_MANAGER: {
        "search_customers",
        "manage_key_accounts",
        "reveal_personal_data",
        "export_lists",
        "manage_collections",
    },
    Role.MARKETING_ANALYST: {
        "search_customers",
        "run_campaigns",
        "export_lists",
        "view_dashboards",
        "review_fraud_alerts",
    },
    Role.MANAGER: {
        "search_customers",
        "reveal_personal_data",
        "cross_region_lookup",
        "export_lists",
        "view_dashboards",
        "view_audit_log",
        "approve_sensitive",
        "edit_knowledge",
        "supervise_hotline",
        "manage_collections",
        "view_billing_feeds",
        "review_fraud_alerts",
        "manage_analytics_models",
    },
    Role.ADMIN: {codename for codename, _name in PERMISSIONS},
    Role.API_CLIENT: set(),
}

# Roles whose staff may hold no region: they work at province level and see every region.
PROVINCE_ROLES: frozenset[str] = frozenset({Role.MANAGER, Role.MARKETING_ANALYST, Role.ADMIN, Role.API_CLIENT})

# What a role's browser session may do on the REST API (e.g. the interactive API browser).
ROLE_API_SCOPES: dict[str, set[str]] = {
    Role.HALL_CLERK: {"customer:read", "order:read", "order:write", "catalog:read"},
    Role.CALL_AGENT: {"customer:read", "ticket:read", "ticket:write", "order:read", "catalog:read"},
    Role.DISPATCHER: {"customer:read", "order:read", "order:write", "ticket:read"},
    Role.FIELD_TECHNICIAN: {"order:read"},
    Role.ACCOUNT_MANAGER: {"customer:read", "customer:write", "order:read", "ticket:read", "catalog:read"},
    Role.MARKETING_ANALYST: {"customer:read", "analytics:read", "catalog:read"},
    Role.MANAGER: {"customer:read", "order:read", "ticket:read", "billing:read", "analytics:read", "catalog:read"},
    Role.ADMIN: {"all"},
    Role.API_CLIENT: set(),
}


def group_name(role: str) -> str:
    """The Django group that carries a role's permissions."""
    return f"role:{role}"
