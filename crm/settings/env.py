"""Reading settings from the environment, failing loudly where production needs a value."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

ENVIRONMENTS = ("development", "test", "production")


def crm_env() -> str:
    value = os.environ.get("CRM_ENV", "production")
    if value not in ENVIRONMENTS:
        raise ImproperlyConfigured(f"CRM_ENV must be one of {', '.join(ENVIRONMENTS)}, not {value!r}")
    return value


def env_str(name: str, default: str | None = None, *, required_in_production: bool = False) -> str | None:
    value = os.environ.get(name)
    if value not in (None, ""):
        return value
    if required_in_production and crm_env() == "production":
        raise ImproperlyConfigured(f"The environment variable {name} is required when CRM_ENV=production.")
    return default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}") from exc


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name)
    if value in (None, ""):
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]
