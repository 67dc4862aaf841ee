"""Imported by the worker of test_worker_killed_feed.py (``--include``): usage batches load in chunks of 200 rows,
each counted in Redis and followed by a pause, so the test can kill the worker between two chunks of one batch; the
feed-file tasks that finish are counted too."""

from __future__ import annotations

import time

import redis
from celery.signals import task_postrun
from django.conf import settings

from billing_sync.services import feeds
from billing_sync.services.feeds import usage

CHUNKS_DONE = "test:feed-chunks-done"
TASKS_DONE = "test:feed-tasks-done"
TASK = "billing_sync.tasks.feed_file_load_task"

feeds.CHUNK_ROWS = 200
_load_chunk = usage.load_chunk


def _slow_load_chunk(**kwargs):
    chunk = _load_chunk(**kwargs)
    redis.Redis.from_url(settings.REDIS_URL).incr(CHUNKS_DONE)
    time.sleep(0.3)
    return chunk


usage.load_chunk = _slow_load_chunk  # feeds._loader looks it up at each batch


@task_postrun.connect
def _count_feed_tasks(sender=None, **kwargs) -> None:
    if getattr(sender, "name", "") == TASK:
        redis.Redis.from_url(settings.REDIS_URL).incr(TASKS_DONE)
