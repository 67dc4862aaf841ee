"""Enqueue Celery tasks through the outbox: the row commits with the write, the broker gets it after commit.

``outbox_enqueue(task, *args, **kwargs)`` inserts an :class:`OutboxTask` in the caller's transaction and, once that
commits, publishes it. If the broker is down the write still commits and the row stays pending; ``outbox_drain``
(every minute from beat, or ``manage.py outbox_drain`` when the broker is back) publishes what is pending. Rows are
claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` and marked sent in the same transaction, so two drains (or a drain
and the after-commit publish) never send the same row twice.

What remains is at-least-once delivery inside Celery itself (``acks_late``: a worker killed mid-task gets the task
again), and the rare crash between the broker accepting a row and the row's commit. So the tasks behind the outbox
must be idempotent; those the project enqueues this way are (see each task's docstring): the fraud check of a usage
batch rewrites its alerts, a dunning step checks each case's state first, a resumption checks the suspended lines,
and an analytics job skips done chunks.
"""

from __future__ import annotations

import datetime
import logging
import uuid

from celery import Task
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from crm import context

from .models import OutboxTask

logger = logging.getLogger(__name__)

BATCH_SIZE = 100  # rows claimed per transaction by a drain
BROKER_TIMEOUT = 1.0  # seconds to reach the broker before a row is left for the drain
KEEP_SENT = datetime.timedelta(days=7)


def _app():
    from crm.celery import app

    return app


def _task(name: str) -> Task:
    return _app().tasks[name]  # NotRegistered (a KeyError) for an unknown name


def outbox_enqueue(task: Task | str, /, *args, key: str | None = None, **kwargs) -> OutboxTask:
    """Record ``task(*args, **kwargs)`` in the caller's transaction; it is published after commit. With ``key`` a
    second enqueue under the same key returns the first row instead of adding one. Arguments must be JSON values."""
    name = task if isinstance(task, str) else task.name
    _task(name)  # an unknown task fails here, in the writer, not later in a drain
    ctx = context.current()
    headers = {"crm_request_id": ctx.request_id, "crm_actor_id": ctx.actor_id, "crm_actor_repr": ctx.actor_repr}
    dedup_key = key or f"{name}:{uuid.uuid4().hex}"
    try:
        with transaction.atomic():
            row = OutboxTask.objects.create(
                task_name=name, args=list(args), kwargs=kwargs, headers=headers, dedup_key=dedup_key
            )
    except IntegrityError:
        if key is None:
            raise
        return OutboxTask.objects.get(dedup_key=key)
    row_id = row.pk
    transaction.on_commit(lambda: outbox_publish(ids=[row_id]), robust=True)
    return row


def outbox_publish(*, ids: list[int] | None = None, limit: int = BATCH_SIZE) -> tuple[int, bool]:
    """Publish pending rows (these ``ids``, or the oldest ``limit``) that nobody else holds; returns (rows sent,
    whether the broker refused one, which ends the pass: what is left waits for the next drain)."""
    pending = OutboxTask.objects.filter(sent_at__isnull=True)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    if _app().conf.task_always_eager:
        return _run_inline(pending, limit)
    sent = 0
    with transaction.atomic():
        rows = list(pending.select_for_update(skip_locked=True).order_by("pk")[:limit])
        if not rows:
            return 0, False
        # A connection of its own, checked once without kombu's patient reconnect loop (seconds per call): with the
        # broker down, the write that enqueued must not wait, and the drain must not stall.
        with _app().connection_for_write() as conn:
            for row in rows:
                try:
                    conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)
                    _task(row.task_name).apply_async(
                        args=row.args, kwargs=row.kwargs, headers=row.headers, connection=conn, retry=False
                    )
                except Exception as exc:  # the broker is down or refused: keep the row pending
                    _failed(row, exc)
                    return sent, True
                OutboxTask.objects.filter(pk=row.pk).update(sent_at=timezone.now(), attempts=F("attempts") + 1)
                sent += 1
    return sent, False


def publish_once(task: Task, /, *args) -> bool:
    """Publish ``task(*args)`` now, without an outbox row, for a task whose own row is already its outbox record
    (an SMS's queued message, found again by its sweep); False when the broker is down. Without a broker the task
    runs here."""
    if _app().conf.task_always_eager:
        task.apply(args=args)
        return True
    try:
        with _app().connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT)
            task.apply_async(args=args, connection=conn, retry=False)
    except Exception as exc:  # the broker is down or refused: the caller's sweep sends it later
        logger.warning("Task %s%s not published: %s: %s", task.name, args, type(exc).__name__, exc)
        return False
    return True


def _run_inline(pending, limit: int) -> tuple[int, bool]:
    """Without a broker (tests, ``make run``) the tasks run here; they are claimed first and run after the claim
    commits, so a task's own transactions are not nested in the outbox's."""
    with transaction.atomic():
        rows = list(pending.select_for_update(skip_locked=True).order_by("pk")[:limit])
        OutboxTask.objects.filter(pk__in=[r.pk for r in rows]).update(
            sent_at=timezone.now(), attempts=F("attempts") + 1
        )
    for position, row in enumerate(rows):
        try:
            token = context.set_context(
                context.RequestContext(
                    request_id=row.headers.get("crm_request_id") or context.current().request_id,
                    actor_id=row.headers.get("crm_actor_id"),
                    actor_repr=row.headers.get("crm_actor_repr") or "",
                    channel=context.current().channel,
                )
            )
            try:
                _task(row.task_name).apply_async(args=row.args, kwargs=row.kwargs)
            finally:
                context.reset_context(token)
        except Exception as exc:  # could not even start (an eager task's own errors are kept in its result)
            for left in rows[position:]:
                OutboxTask.objects.filter(pk=left.pk).update(sent_at=None)
            _failed(row, exc, counted=True)
            return position, True
    return len(rows), False


def _failed(row: OutboxTask, exc: Exception, *, counted: bool = False) -> None:
    logger.warning("Outbox task %s #%s not published: %s: %s", row.task_name, row.pk, type(exc).__name__, exc)
    OutboxTask.objects.filter(pk=row.pk).update(
        attempts=F("attempts") + (0 if counted else 1), last_error=f"{type(exc).__name__}: {exc}"[:2000]
    )


def outbox_drain(*, batch_size: int = BATCH_SIZE, max_batches: int = 100) -> int:
    """Publish every pending row, a batch per transaction, until none is left or the broker refuses; returns the
    number sent. Safe to run anywhere at any time, several at once."""
    total = 0
    for _ in range(max_batches):
        sent, refused = outbox_publish(limit=batch_size)
        total += sent
        if refused or sent < batch_size:
            break
    if total:
        logger.info("Outbox drained: %s task(s) published", total)
    return total


def outbox_purge_sent(*, older_than: datetime.timedelta = KEEP_SENT) -> int:
    """Delete rows sent more than ``older_than`` ago (the log of what was sent is kept a week)."""
    deleted, _ = OutboxTask.objects.filter(sent_at__lt=timezone.now() - older_than).delete()
    return deleted
