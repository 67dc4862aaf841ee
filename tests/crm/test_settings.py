"""Settings come from the environment and fail loudly in production when a required value is missing."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, "
    "s.LANGUAGE_CODE, s.TIME_ZONE)"
)
VAR_DIR = Path(tempfile.mkdtemp(prefix="crm-settings-test-"))
PRODUCTION_ENV = {
    "CRM_ENV": "production",
    "SECRET_KEY": "k" * 50,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/crm",
    "ALLOWED_HOSTS": "crm.example.org",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
}


def run_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"CRM_ENV", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DEBUG"}
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "crm.settings.main", "CRM_VAR_DIR": str(VAR_DIR), **env})
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_production_settings_load_with_every_required_value():
    result = run_settings(PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "False",
        "redis://127.0.0.1:6379/9",
        "zh-hans",
        "Asia/Shanghai",
    ]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "REDIS_URL"])
def test_production_refuses_to_start_without_a_required_value(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_settings(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_production_refuses_debug():
    result = run_settings({**PRODUCTION_ENV, "DEBUG": "1"})
    assert result.returncode != 0 and "DEBUG must not be on" in result.stderr


def test_development_without_services_uses_sqlite_and_in_process_tasks():
    result = run_settings({"CRM_ENV": "development"})
    assert result.returncode == 0, result.stderr
    engine, eager, broker, *_ = result.stdout.split()
    assert (engine, eager, broker) == ("django.db.backends.sqlite3", "True", "memory://")


def test_redis_url_makes_redis_the_broker_and_tasks_asynchronous():
    result = run_settings({"CRM_ENV": "development", "REDIS_URL": "redis://127.0.0.1:6379/9"})
    assert result.returncode == 0, result.stderr
    _engine, eager, broker, *_ = result.stdout.split()
    assert (eager, broker) == ("False", "redis://127.0.0.1:6379/9")
