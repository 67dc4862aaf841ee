"""The settings of a running CRM (make run, gunicorn, workers): every concern, read from the environment."""

from .api import *  # noqa: F403
from .base import *  # noqa: F403
from .celery import *  # noqa: F403
