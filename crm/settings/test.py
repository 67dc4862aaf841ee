"""Settings for the test suite: the real PostgreSQL and Redis, defaulting to the local servers."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("CRM_ENV", "test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/crm")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")

from .env import env_bool, env_str
from .main import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests enqueue for real only where they start a worker; everywhere else tasks run inline.
# A worker started by a test runs these settings with CELERY_TASK_ALWAYS_EAGER=0.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # noqa: F405
LOGGING["root"]["level"] = env_str("LOG_LEVEL", "WARNING")  # noqa: F405

# Trained models of a test run go to a directory of their own (a worker started by a test gets it in its environment).
ANALYTICS_MODEL_DIR = Path(env_str("ANALYTICS_MODEL_DIR") or tempfile.mkdtemp(prefix="crm-test-models-"))
