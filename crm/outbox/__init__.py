"""The task outbox: Celery tasks recorded in the writer's transaction and published after commit, so work enqueued
while the broker is down is neither lost nor sent twice."""
