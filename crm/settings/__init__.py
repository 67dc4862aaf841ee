"""Settings entry point: `crm.settings` for run and production, `crm.settings.test` for the suite."""

from .base import *  # noqa: F403
from .api import *  # noqa: F403
from .celery import *  # noqa: F403
