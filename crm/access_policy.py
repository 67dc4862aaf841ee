"""Who may use each URL: one table for the whole site (staff UI, portal, TMF API, admin), checked by tests.

The views enforce access (decorators, ``permission_required``, DRF's ``HasScope``, ``portal_login_required``);
this table *declares* what they enforce, so a reviewer reads the whole site's rules in one place and the tests
(tests/security/test_authorization_matrix.py) prove the two agree:

- every URL pattern of the URL configuration (walked recursively, the admin and the DRF routers included) must
  have an entry here, and every entry must name a URL that still exists;
- every role × every UI URL: a role the entry allows is not refused (no 403, no 5xx); a role it does not allow
  gets a 403 with the staff "Not allowed" page (templates/403.html); an anonymous visitor is sent to log in;
- every TMF API route: a role's session or a token without the declared scope gets a 403 with the TMF error body.

Adding a URL: give it a name, protect the view, then add one line in its app's section below with what the view
enforces — ``PUBLIC``, ``PORTAL``, ``STAFF`` (any signed-in staff), ``perms(...)`` (any one of these permission
codenames; ``post_only=True`` when GET answers 405), ``api(read=..., write=...)`` (TMF API scopes) — and, when
its URL has parameters, a value for them in tests/security/conftest.py (``url_kwargs``). Never loosen an entry
to make the test pass: the test fails precisely when the view lets in someone the table does not.

Objects inside an allowed URL are scoped separately (region, grid, the portal customer's own): another region's
customer, order, ticket, work order or bill reads as "not found" (404), never as a 403 that confirms it exists
(tests/security/test_object_access.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crm.accounts.roles import ROLE_API_SCOPES, ROLE_PERMISSIONS, Role


@dataclass(frozen=True)
class Access:
    """Who may use one URL.

    kind: "public" (anyone), "portal" (a customer's portal session), "staff" (any signed-in staff member),
    "perms" (staff holding any one of ``perms``), "api" (TMF API: ``read_scopes`` for GET, ``write_scope`` for
    writes; a token's scopes or the role's session scopes), "admin" (Django admin: is_staff and the model's
    permissions; anyone else is sent to the admin log-in).
    """

    kind: str
    perms: tuple[str, ...] = ()
    read_scopes: tuple[str, ...] = ()
    write_scope: str | None = None
    post_only: bool = False  # GET answers 405: the URL only takes form posts
    sessions: bool = True  # kind "api": staff browser sessions may use it (False: API tokens only)
    note: str = field(default="", compare=False)

    def allows_role(self, role: str) -> bool:
        """Whether a staff member of ``role`` may use the URL (the page; a POST for post_only URLs)."""
        if self.kind in ("public", "staff"):
            return True
        if self.kind == "perms":
            return role == Role.ADMIN or any(_codename(p) in ROLE_PERMISSIONS[role] for p in self.perms)
        if self.kind == "admin":
            return role == Role.ADMIN  # the only role with is_staff (staff_user_create)
        return False  # portal pages are for customers; the API answers role *scopes* (allows_scopes)

    def allows_scopes(self, scopes: frozenset[str] | set[str], *, write: bool = False, session: bool = False) -> bool:
        """Whether a token (or a staff ``session``) with these API scopes may read (or write) through the URL."""
        if self.kind != "api" or (session and not self.sessions):
            return False
        if write:
            return self.write_scope is not None and self.write_scope in scopes
        return any(s in scopes for s in self.read_scopes)


def _codename(permission: str) -> str:
    app_label, _dot, codename = permission.partition(".")
    return codename if app_label == "accounts" else permission


def role_scopes(role: str) -> frozenset[str]:
    """The API scopes of a role's browser session (``all`` expanded)."""
    from crm.api.scopes import expand

    return expand(ROLE_API_SCOPES.get(role, set()))


PUBLIC = Access("public")
PORTAL = Access("portal")
STAFF = Access("staff")
ADMIN = Access("admin")


def public(*, post_only: bool = False, note: str = "") -> Access:
    return Access("public", post_only=post_only, note=note)


def portal(*, post_only: bool = False, note: str = "") -> Access:
    return Access("portal", post_only=post_only, note=note)


def staff(*, post_only: bool = False, note: str = "") -> Access:
    return Access("staff", post_only=post_only, note=note)


def perms(*codenames: str, post_only: bool = False, note: str = "") -> Access:
    return Access("perms", perms=codenames, post_only=post_only, note=note)


def api(
    *,
    read: str | tuple[str, ...] = (),
    write: str | None = None,
    post_only: bool = False,
    sessions: bool = True,
    note: str = "",
) -> Access:
    reads = (read,) if isinstance(read, str) else read
    return Access("api", read_scopes=reads, write_scope=write, post_only=post_only, sessions=sessions, note=note)


# The scope the hub of a TMF API needs is that API's read scope (crm/api/views.py _HubBase); the tests use the
# customerManagement API's hub.
PER_API_READ_SCOPE = "<the read scope of the API named in the URL>"

# Staff permissions (accounts.StaffProfile Meta.permissions; crm/accounts/roles.py gives them to roles).
SEARCH = "accounts.search_customers"
REVEAL = "accounts.reveal_personal_data"
CROSS_REGION = "accounts.cross_region_lookup"
EXPORT = "accounts.export_lists"
TAKE_ORDERS = "accounts.take_orders"
TAKE_PAYMENTS = "accounts.take_payments"
HOTLINE = "accounts.handle_interactions"
DISPATCH = "accounts.dispatch_work_orders"
FIELD = "accounts.work_field_orders"
KEY_ACCOUNTS = "accounts.manage_key_accounts"
CAMPAIGNS = "accounts.run_campaigns"
DASHBOARDS = "accounts.view_dashboards"
AUDIT = "accounts.view_audit_log"
APPROVE = "accounts.approve_sensitive"
CONFIGURE = "accounts.manage_configuration"
EDIT_KNOWLEDGE = "accounts.edit_knowledge"
SUPERVISE = "accounts.supervise_hotline"
DELIVERIES = "accounts.manage_event_deliveries"
COLLECTIONS = "accounts.manage_collections"
FEEDS = "accounts.view_billing_feeds"
FRAUD = "accounts.review_fraud_alerts"
MODELS = "accounts.manage_analytics_models"

# A whole namespace under one rule: only the Django admin, whose AdminSite.admin_view wraps every view it serves
# (new ModelAdmins are covered as they are registered).
NAMESPACE_POLICY: dict[str, Access] = {
    "admin": ADMIN,
}

POLICY: dict[str, Access] = {
    # --- Project: health, language, staff log-in --------------------------------------------------------------
    "healthz": public(note="load balancer probe; says nothing about data"),
    "readyz": public(note="readiness probe; says nothing about data"),
    "set_language": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:logout": public(post_only=True),
    "accounts:password_change": STAFF,
    "accounts:password_change_done": STAFF,
    "admin:login": public(note="the admin's own log-in page; every other admin URL is in NAMESPACE_POLICY"),
    # --- Staff shell (crm/ui): home, search, saved filters, bulk-export approvals -----------------------------
    "ui:home": STAFF,
    "ui:search": staff(note="each search provider checks its own permission and the user's region"),
    "ui:saved_filter_save": staff(post_only=True),
    "ui:saved_filter_delete": staff(post_only=True, note="only one's own filters"),
    "ui:export_approvals": staff(note="one's own requests; the ones to decide only with approve_sensitive"),
    "ui:export_approval_request": perms(EXPORT),
    "ui:export_approval_decide": perms(APPROVE, post_only=True),
    # --- Audit log and API operations -------------------------------------------------------------------------
    "audit:list": perms(AUDIT),
    "audit:detail": perms(AUDIT),
    "api-ops:event_deliveries": perms(DELIVERIES),
    "api-ops:event_delivery_replay": perms(DELIVERIES, post_only=True),
    "api-ops:event_deliveries_replay_failed": perms(DELIVERIES, post_only=True),
    # --- Customers --------------------------------------------------------------------------------------------
    "customers:list": perms(SEARCH),
    "customers:cross_region_lookup": perms(CROSS_REGION),
    "customers:portfolio": perms(KEY_ACCOUNTS),
    "customers:detail": perms(SEARCH),
    "customers:reveal": perms(REVEAL, post_only=True),
    "customers:level_pin": perms(APPROVE, post_only=True),
    "customers:erase": perms(APPROVE, post_only=True),
    "customers:opt_outs": perms(TAKE_ORDERS, HOTLINE, KEY_ACCOUNTS, post_only=True),
    "customers:portal_contact_nominate": perms(KEY_ACCOUNTS, post_only=True),
    "customers:portal_contact_remove": perms(KEY_ACCOUNTS, post_only=True),
    "customers:key_account_record": perms(KEY_ACCOUNTS),
    "customer_imports:upload": perms(CONFIGURE, KEY_ACCOUNTS),
    "customer_imports:report": perms(CONFIGURE, KEY_ACCOUNTS, note="only one's own imports"),
    "customer_imports:report_csv": perms(CONFIGURE, KEY_ACCOUNTS, note="only one's own imports"),
    "customer_imports:apply": perms(CONFIGURE, KEY_ACCOUNTS, post_only=True),
    "customer_imports:template": perms(CONFIGURE, KEY_ACCOUNTS),
    # --- Orders: counter, dispatch, back office, field, reports -----------------------------------------------
    "orders:list": perms(SEARCH),
    "orders:new": perms(TAKE_ORDERS),
    "orders:pick_customers": perms(TAKE_ORDERS),
    "orders:pick_addresses": perms(TAKE_ORDERS),
    "orders:new_for": perms(TAKE_ORDERS),
    "orders:take": perms(TAKE_ORDERS),
    "orders:pick_offerings": perms(TAKE_ORDERS),
    "orders:second_checks": perms(APPROVE),
    "orders:detail": perms(SEARCH),
    "orders:print": perms(SEARCH),
    "orders:sign": perms(TAKE_ORDERS, post_only=True),
    "orders:cancel": perms(TAKE_ORDERS, post_only=True),
    "orders:second_check": perms(APPROVE, post_only=True),
    "orders:dispatch_board": perms(DISPATCH),
    "orders:work_order_detail": perms(DISPATCH, DASHBOARDS, note="dashboards viewers read it without actions"),
    "orders:work_order_assign": perms(DISPATCH),
    "orders:work_order_auto_assign": perms(DISPATCH, post_only=True),
    "orders:work_order_hold": perms(DISPATCH, post_only=True),
    "orders:work_order_resume": perms(DISPATCH, post_only=True),
    "orders:back_office": perms(DISPATCH),
    "orders:step_complete": perms(DISPATCH, post_only=True),
    "orders:field_list": perms(FIELD),
    "orders:field_detail": perms(FIELD, note="only the technician's own work orders"),
    "orders:field_start": perms(FIELD, post_only=True),
    "orders:field_finish": perms(FIELD, post_only=True),
    "orders:field_report": perms(FIELD, post_only=True),
    "orders:commissions": perms(DASHBOARDS),
    "orders:commission_statement": perms(DASHBOARDS),
    "orders:sla_kpis": perms(DASHBOARDS),
    # --- Call centre: desktop, tickets, supervision, outages, knowledge, outbound campaign calls -----------------
    "callcenter:desktop": perms(HOTLINE),
    "callcenter:call_poll": perms(HOTLINE),
    "callcenter:call_simulate": perms(HOTLINE, post_only=True),
    "callcenter:callback_done": perms(HOTLINE, post_only=True),
    "callcenter:call": perms(HOTLINE, note="one's own calls; supervisors any"),
    "callcenter:reason_options": perms(HOTLINE),
    "callcenter:customer_lookup": perms(HOTLINE),
    "callcenter:tickets": perms(HOTLINE, SUPERVISE),
    "callcenter:ticket": perms(HOTLINE, SUPERVISE),
    "callcenter:supervisor": perms(SUPERVISE),
    "callcenter:outages": perms(HOTLINE, SUPERVISE, DISPATCH),
    "callcenter:outage_resolve": perms(SUPERVISE, DISPATCH, post_only=True),
    "callcenter:knowledge": perms(HOTLINE, EDIT_KNOWLEDGE),
    "callcenter:knowledge_new": perms(EDIT_KNOWLEDGE),
    "callcenter:knowledge_suggest": perms(HOTLINE, EDIT_KNOWLEDGE),
    "callcenter:knowledge_article": perms(HOTLINE, EDIT_KNOWLEDGE),
    "callcenter:knowledge_edit": perms(EDIT_KNOWLEDGE),
    "callcenter:campaign_calls": perms(HOTLINE),
    "callcenter:campaign_calls_summary": perms(HOTLINE),
    "callcenter:campaign_call_list": perms(HOTLINE),
    "callcenter:campaign_call": perms(HOTLINE),
    # --- Feedback: care tasks, satisfaction; the customer's survey link ---------------------------------------
    "feedback:care_tasks": perms(HOTLINE, DASHBOARDS),
    "feedback:care_task_done": perms(HOTLINE, DASHBOARDS, post_only=True),
    "feedback:satisfaction": perms(DASHBOARDS),
    "portal_survey:survey": public(note="the unguessable token in the link the customer received is the key"),
    # --- Billing: feeds, collections, counter payments, the payment provider ----------------------------------
    "billing_feeds:list": perms(FEEDS),
    "billing_feeds:detail": perms(FEEDS),
    "collections:list": perms(COLLECTIONS),
    "collections:tasks": perms(COLLECTIONS),
    "collections:task": perms(COLLECTIONS),
    "collections:case": perms(COLLECTIONS),
    "payments:index": perms(TAKE_PAYMENTS),
    "payments:new": perms(TAKE_PAYMENTS),
    "payments:receipt": perms(TAKE_PAYMENTS),
    "payments:customer_usage": perms(SEARCH),
    "payment_provider:notify": public(post_only=True, note="server to server, trusted by the provider's signature"),
    "payment_provider:simulated": public(
        note="the simulated provider's own page (404 unless the simulated provider is configured)"
    ),
    # --- Analytics: jobs, dashboards, features, churn, fraud, segments, credit, simulation, campaigns -----------
    "analytics:jobs": perms(DASHBOARDS),
    "analytics:job": perms(DASHBOARDS),
    "analytics:job_resume": perms(CAMPAIGNS, MODELS, post_only=True),
    "analytics:models": perms(DASHBOARDS),
    "analytics:model_promote": perms(MODELS, post_only=True),
    "analytics:dashboards": perms(DASHBOARDS, note="lists the dashboards whose permission the user holds"),
    "analytics:subscriptions": staff(note="one's own report subscriptions"),
    "analytics:dashboard": perms(DASHBOARDS, note="each dashboard's own permission (all view_dashboards today)"),
    "analytics:dashboard_subscribe": perms(DASHBOARDS, post_only=True),
    "analytics:feature_catalog": perms(DASHBOARDS, CAMPAIGNS, MODELS),
    "analytics:churn_worklist": perms(CAMPAIGNS, DASHBOARDS, KEY_ACCOUNTS, HOTLINE),
    "analytics:fraud_queue": perms(FRAUD),
    "analytics:fraud_rules": perms(DASHBOARDS, FRAUD),
    "analytics:fraud_alert": perms(FRAUD),
    "analytics:segments": perms(DASHBOARDS),
    "analytics:segment_regions": perms(DASHBOARDS),
    "analytics:credit_scores": perms(DASHBOARDS),
    "analytics:simulation": perms(CAMPAIGNS),
    "analytics:simulation_new": perms(CAMPAIGNS),
    "analytics:simulation_proposal": perms(CAMPAIGNS),
    "analytics:simulation_result": perms(CAMPAIGNS),
    "analytics:campaigns": perms(CAMPAIGNS),
    "analytics:campaign_new": perms(CAMPAIGNS),
    "analytics:campaign_preview": perms(CAMPAIGNS),
    "analytics:campaign": perms(CAMPAIGNS),
    "analytics:campaign_edit": perms(CAMPAIGNS),
    "analytics:campaign_launch": perms(CAMPAIGNS, post_only=True),
    "analytics:campaign_cancel": perms(CAMPAIGNS, post_only=True),
    "analytics:campaign_finish": perms(CAMPAIGNS, post_only=True),
    "analytics:campaign_report": perms(CAMPAIGNS),
    "analytics:campaign_hall_prompt": perms(TAKE_ORDERS),
    "analytics:campaign_hall_prompt_answer": perms(TAKE_ORDERS, post_only=True),
    # --- Self-service portal (a customer's own portal session; staff log-ins play no part there) ---------------
    "portal:login": PUBLIC,
    "portal:logout": public(post_only=True),
    "portal:signup": PUBLIC,
    "portal:signup_verify": PUBLIC,
    "portal:signup_contact": PUBLIC,
    "portal:signup_contact_verify": PUBLIC,
    "portal:reset": PUBLIC,
    "portal:reset_verify": PUBLIC,
    "portal:home": PORTAL,
    "portal:campaign_answer": portal(post_only=True, note="only the customer's own campaign memberships"),
    "portal:bills": PORTAL,
    "portal:bill": PORTAL,
    "portal:bill_pdf": PORTAL,
    "portal:usage": PORTAL,
    "portal:usage_csv": PORTAL,
    "portal:payments": PORTAL,
    "portal:pay": PORTAL,
    "portal:pay_outcome": PORTAL,
    "portal:tickets": PORTAL,
    "portal:ticket_new": PORTAL,
    "portal:ticket": PORTAL,
    "portal:help": PORTAL,
    "portal:privacy": PORTAL,
    "portal:privacy_consent": portal(post_only=True),
    "portal:privacy_download": portal(post_only=True),
    "portal:orders": PORTAL,
    "portal:order_new": PORTAL,
    "portal:order_install": PORTAL,
    "portal:order_addresses": PORTAL,
    "portal:order_cancel": PORTAL,
    "portal:vas": PORTAL,
    "portal:product_order": PORTAL,
    # --- TMF API (tokens carry scopes; a staff session has its role's, crm/accounts/roles.py ROLE_API_SCOPES) ---
    "api-schema": public(note="the OpenAPI description; no data"),
    "api-docs": public(note="the interactive API browser; every call it makes needs a scope"),
    # Hubs push every event of their API whatever the region: API clients (tokens) only, never a staff session.
    "tmf-hub": api(write=PER_API_READ_SCOPE, post_only=True, sessions=False),
    "tmf-hub-detail": api(
        read=PER_API_READ_SCOPE, write=PER_API_READ_SCOPE, sessions=False, note="only one's own subscriptions"
    ),
    "tmf629-customer-list": api(read="customer:read", write="customer:write"),
    "tmf629-customer-detail": api(read="customer:read", write="customer:write"),
    "tmf632-individual-list": api(read="customer:read", write="customer:write"),
    "tmf632-individual-detail": api(read="customer:read", write="customer:write"),
    "tmf632-organization-list": api(read="customer:read", write="customer:write"),
    "tmf632-organization-detail": api(read="customer:read", write="customer:write"),
    "tmf666-account-list": api(read="customer:read", write="customer:write"),
    "tmf666-account-detail": api(read="customer:read", write="customer:write"),
    "tmf683-interaction-list": api(read="customer:read", write="customer:write"),
    "tmf683-interaction-detail": api(read="customer:read", write="customer:write"),
    "tmf620-offering-list": api(read="catalog:read", write="catalog:write"),
    "tmf620-offering-detail": api(read="catalog:read", write="catalog:write"),
    "tmf620-specification-list": api(read="catalog:read", write="catalog:write"),
    "tmf620-specification-detail": api(read="catalog:read", write="catalog:write"),
    "tmf620-price-list": api(read="catalog:read", write="catalog:write"),
    "tmf620-price-detail": api(read="catalog:read", write="catalog:write"),
    "tmf620-category-list": api(read="catalog:read", write="catalog:write"),
    "tmf620-category-detail": api(read="catalog:read", write="catalog:write"),
    "tmf620-catalog-list": api(read="catalog:read", write="catalog:write"),
    "tmf620-catalog-detail": api(read="catalog:read", write="catalog:write"),
    "tmf637-product-list": api(read="order:read", write="order:write"),
    "tmf637-product-detail": api(read="order:read", write="order:write"),
    "tmf622-order-list": api(read="order:read", write="order:write"),
    "tmf622-order-detail": api(read="order:read", write="order:write"),
    "tmf622-cancel-list": api(read="order:read", write="order:write"),
    "tmf622-cancel-detail": api(read="order:read", write="order:write"),
    "tmf621-incoming-call": api(write="telephony:write", post_only=True),
    "tmf621-ticket-list": api(read="ticket:read", write="ticket:write"),
    "tmf621-ticket-detail": api(read="ticket:read", write="ticket:write"),
    "tmf678-bill-list": api(read="billing:read", write="billing:feed"),
    "tmf678-bill-detail": api(read="billing:read", write="billing:feed"),
    "tmf678-rate-list": api(read="billing:read", write="billing:feed"),
    "tmf678-rate-detail": api(read="billing:read", write="billing:feed"),
    "tmf635-usage-list": api(read="billing:read", write="billing:feed"),
    "tmf635-usage-detail": api(read="billing:read", write="billing:feed"),
    "tmf676-payment-list": api(read="billing:read", write="billing:feed"),
    "tmf676-payment-detail": api(read="billing:read", write="billing:feed"),
    "tmf-billing-feed-batch-list": api(read=("billing:read", "billing:feed")),
    "tmf-billing-feed-batch-detail": api(read=("billing:read", "billing:feed")),
    "tmf-billing-feed-batch-rejection": api(read=("billing:read", "billing:feed")),
    "tmf-billing-feed-upload": api(write="billing:feed", post_only=True),
    "analytics-job-list": api(read="analytics:read", write="analytics:write"),
    "analytics-job-detail": api(read="analytics:read", write="analytics:write"),
    "analytics-model-version-list": api(read="analytics:read", write="analytics:write"),
    "analytics-model-version-detail": api(read="analytics:read", write="analytics:write"),
    "analytics-churn-score-list": api(read="analytics:read", write="analytics:write"),
    "analytics-churn-score-detail": api(read="analytics:read", write="analytics:write"),
    "analytics-fraud-alert-list": api(read="analytics:read", write="analytics:write"),
    "analytics-fraud-alert-detail": api(read="analytics:read", write="analytics:write"),
    "analytics-segment-profile-list": api(read="analytics:read", write="analytics:write"),
    "analytics-segment-profile-detail": api(read="analytics:read", write="analytics:write"),
    "analytics-credit-score-list": api(read="analytics:read", write="analytics:write"),
    "analytics-credit-score-detail": api(read="analytics:read", write="analytics:write"),
    "analytics-campaign-list": api(read="analytics:read", write="analytics:write"),
    "analytics-campaign-detail": api(read="analytics:read", write="analytics:write"),
}


def policy_for(name: str | None, namespace: str | None) -> Access | None:
    """The declared access of a URL pattern (by its full name, or its whole namespace), or None if undeclared."""
    if name and name in POLICY:
        return POLICY[name]
    top = (namespace or "").split(":", 1)[0]
    return NAMESPACE_POLICY.get(top) if top else None
