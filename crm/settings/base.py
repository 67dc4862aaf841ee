"""Core Django settings, everything read from the environment (see README "Configuration")."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import crm_env, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("CRM_VAR_DIR", str(BASE_DIR / "var")))

CRM_ENV = crm_env()
PRODUCTION = CRM_ENV == "production"

DEBUG = env_bool("DEBUG", default=CRM_ENV == "development")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must not be on when CRM_ENV=production.")

SECRET_KEY = env_str("SECRET_KEY", required_in_production=True) or "dev-insecure-key-not-for-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("The environment variable ALLOWED_HOSTS is required when CRM_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crm.accounts",
    "crm.audit",
    "crm.sla",
    "crm.messaging",
    "crm.outbox",
    "crm.api",
    "crm.ui",
    "crm.demo",
    "customers",
    "orders",
    "callcenter",
    "portal",
    "feedback",
    "billing_sync",
    "analytics",
]

MIDDLEWARE = [
    "crm.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "crm.security.SecurityHeadersMiddleware",  # CSP with a per-request nonce, Permissions-Policy
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "crm.input_guard.RejectNulMiddleware",  # NUL in a query or form: a clear 400, never a database error
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.middleware.RequestActorMiddleware",
    "portal.middleware.PortalSessionMiddleware",  # customers' own session on /portal/ (after the staff one)
    "django.contrib.messages.middleware.MessageMiddleware",
    "crm.security.StaffIdleTimeoutMiddleware",  # after messages: it tells the user why they were logged out
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crm.api.middleware.TMFErrorMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.ui.context_processors.shell",
                "crm.security.csp_nonce",
            ],
        },
    },
]

# Database: DATABASE_URL, or an embedded SQLite file for `make run` on a machine with no services.
DATABASE_URL = env_str("DATABASE_URL", required_in_production=True)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "crm.sqlite3",
            "OPTIONS": {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
# Read replica (optional): DATABASE_REPLICA_URL adds the "replica" alias, which crm.db_router sends the analytics
# loaders and the dashboards to. Under tests it mirrors "default" (the same test database through its own connection).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL")
if DATABASE_URL and DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    DATABASES["replica"].update(CONN_HEALTH_CHECKS=True, TEST={"MIRROR": "default"})
DATABASE_ROUTERS = ["crm.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (shared by all web processes), else per-process memory. With Redis down the
# cache reads as empty (crm.cache): pages slow down, they do not fail.
REDIS_URL = env_str("REDIS_URL", required_in_production=True)
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "crm.cache.TolerantRedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The self-service portal's customer session: its own cookie (path /portal/), never the staff one.
PORTAL_SESSION_COOKIE_NAME = "crm_portal"
PORTAL_SESSION_COOKIE_AGE = env_int("PORTAL_SESSION_COOKIE_AGE", 2 * 3600)
PORTAL_SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)

# Staff log-in: failures lock a username (and a client IP trying many) for a while, audited (crm/accounts/backends.py).
AUTHENTICATION_BACKENDS = ["crm.accounts.backends.LockoutModelBackend"]
STAFF_LOGIN_MAX_FAILURES = env_int("STAFF_LOGIN_MAX_FAILURES", 5)
STAFF_LOGIN_MAX_FAILURES_PER_IP = env_int("STAFF_LOGIN_MAX_FAILURES_PER_IP", 50)
STAFF_LOCKOUT_MINUTES = env_int("STAFF_LOCKOUT_MINUTES", 15)
# Seconds without a request after which a staff session ends (0 turns it off); htmx requests count as activity.
STAFF_IDLE_TIMEOUT = env_int("STAFF_IDLE_TIMEOUT", 30 * 60)

# Length, not composition rules (NIST SP 800-63B): at least 10 characters, not common, not all digits, not the name.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "ui:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Internationalisation: Simplified Chinese by default, English complete.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# Front-end packages (htmx, ECharts) are installed from the npm registry by `make` and copied here.
STATICFILES_DIRS = [BASE_DIR / "static", ("vendor", BASE_DIR / "var" / "vendor")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"
# Outside production, static files are served from the finders (no collectstatic needed for make run).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Security headers: nosniff, frame denial, Referrer-Policy, and HSTS only behind a TLS-terminating proxy; the CSP
# (self only, inline scripts by nonce) and Permissions-Policy come from crm/security.py.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if BEHIND_TLS_PROXY else None
SECURE_HSTS_SECONDS = 31536000 if BEHIND_TLS_PROXY else 0
CSP_ENABLED = env_bool("CSP_ENABLED", True)
CSP_REPORT_ONLY = env_bool("CSP_REPORT_ONLY", False)
# Origins forms may post or be redirected to besides the CRM itself, e.g. an online payment provider's.
CSP_FORM_ACTION_ORIGINS = env_list("CSP_FORM_ACTION_ORIGINS")

# Logging: JSON lines carrying the request id (LOG_FORMAT=text for a human at a terminal).
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "crm.logging.RequestContextFilter"},
        # ID-card and mobile numbers are masked in every line (PIPL); see crm/logging.py.
        "personal_data": {"()": "crm.logging.PersonalDataFilter"},
    },
    "formatters": {
        "json": {"()": "crm.logging.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context", "personal_data"],
            "formatter": env_str("LOG_FORMAT", "json"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Privacy (隐私保护): exporting more rows of personal data than this needs a manager's approval.
CRM_EXPORT_WITHOUT_APPROVAL_ROWS = env_int("CRM_EXPORT_WITHOUT_APPROVAL_ROWS", 200)
# Usage details (详单) are kept this many months; older monthly partitions are dropped by a scheduled job.
USAGE_RETENTION_MONTHS = env_int("USAGE_RETENTION_MONTHS", 24)
# Minutes an audited cross-region lookup lets the user open the customers it found.
CRM_CROSS_REGION_GRANT_MINUTES = env_int("CRM_CROSS_REGION_GRANT_MINUTES", 30)
# SMS to customers and staff go through this gateway class (短信网关); the local one only records them.
CRM_SMS_GATEWAY = env_str("CRM_SMS_GATEWAY", "crm.messaging.gateway.LocalSmsGateway")
# The e-mail interface for scheduled reports; the local one writes .eml files under VAR_DIR/outbox/.
CRM_EMAIL_GATEWAY = env_str("CRM_EMAIL_GATEWAY", "crm.messaging.email.LocalEmailGateway")
CRM_EMAIL_FROM = env_str("CRM_EMAIL_FROM", "crm-reports@localhost")
# Online payments (在线交费) go through this provider class; the simulated one confirms or declines on its own page.
CRM_PAYMENT_PROVIDER = env_str("CRM_PAYMENT_PROVIDER", "billing_sync.providers.SimulatedProvider")
# The simulated provider approves whatever its page is told to: anyone with a payment reference could mark it paid.
# Its page answers only where this is on (off by default in production; a demo deployment may turn it on).
CRM_SIMULATED_PAYMENTS = env_bool("CRM_SIMULATED_PAYMENTS", default=not PRODUCTION)
# A field technician's installation or fault report is due this many hours after finishing on site.
CRM_FIELD_REPORT_HOURS = env_int("CRM_FIELD_REPORT_HOURS", 24)

# Trained analytics models (joblib files), loaded by the workers by version (analytics.services.registry).
ANALYTICS_MODEL_DIR = Path(env_str("ANALYTICS_MODEL_DIR", str(VAR_DIR / "models")))
