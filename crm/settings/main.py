"""The settings of a running CRM (make run, gunicorn, workers): every concern, read from the environment."""

from .base import *  # noqa: F403
from .api import *  # noqa: F403
from .celery import *  # noqa: F403
