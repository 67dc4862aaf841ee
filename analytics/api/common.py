"""The analytics API's registration (title and scopes), shared by every topic's views under /analytics/v1/."""

from crm.api.registry import register_api

ANALYTICS_API = register_api(
    "analytics", title="Analytics jobs and results", read_scope="analytics:read", write_scope="analytics:write"
)
