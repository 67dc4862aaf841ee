"""Django REST framework and OpenAPI settings: the TMF conventions live in crm/api/."""

from .env import env_int, env_str

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crm.api.permissions.HasScope"],
    "DEFAULT_PAGINATION_CLASS": "crm.api.pagination.TMFPagination",
    "DEFAULT_FILTER_BACKENDS": ["crm.api.filters.TMFFilterBackend"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "crm.api.parsers.MergePatchJSONParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "EXCEPTION_HANDLER": "crm.api.exceptions.tmf_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "crm.api.schema.TMFAutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["crm.api.throttling.ApiClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_client": env_str("API_RATE_LIMIT", "6000/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

TMF_API = {
    "DEFAULT_PAGE_SIZE": env_int("TMF_DEFAULT_PAGE_SIZE", 20),
    "MAX_PAGE_SIZE": env_int("TMF_MAX_PAGE_SIZE", 1000),
    # Event delivery: attempts before a delivery is marked failed, and the first back-off in seconds.
    "EVENT_MAX_ATTEMPTS": env_int("TMF_EVENT_MAX_ATTEMPTS", 8),
    "EVENT_BACKOFF_SECONDS": env_int("TMF_EVENT_BACKOFF_SECONDS", 30),
    "EVENT_TIMEOUT_SECONDS": env_int("TMF_EVENT_TIMEOUT_SECONDS", 5),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Telecom CRM API",
    "DESCRIPTION": (
        "TM Forum Open API (v4) resources of the telecom CRM. Authenticate with `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/tmf-api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "crm.api.schema.tmf_postprocess"],
}
