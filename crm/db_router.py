"""Read replica: analytics loaders and dashboards read from the "replica" database when DATABASE_REPLICA_URL is set.

Routing is explicit, never by guesswork: everything reads and writes "default" except

- ORM queries inside ``with reading_from_replica():`` (the dashboards wrap their ``build`` in it), and
- raw SQL through ``replica_cursor()`` (the analytics loaders: history up to a cut-off date, where a replica a few
  seconds behind changes nothing).

Writes always go to "default", and so does anything that must see what was just written (a job's own results, the
fraud rules run on a usage batch right after it loads). Without DATABASE_REPLICA_URL both helpers use "default".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_replica_reads: ContextVar[bool] = ContextVar("crm_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections


@contextlib.contextmanager
def reading_from_replica() -> Iterator[None]:
    """ORM reads inside the block go to the replica (when configured); writes still go to "default"."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def read_alias() -> str:
    """The alias ORM reads go to here: the replica inside ``reading_from_replica()`` when configured."""
    return REPLICA if _replica_reads.get() and replica_configured() else DEFAULT_DB_ALIAS


def replica_cursor():
    """A cursor on the replica when one is configured (else on "default"), for read-only analytics SQL."""
    return connections[REPLICA if replica_configured() else DEFAULT_DB_ALIAS].cursor()


class ReplicaRouter:
    """Reads inside ``reading_from_replica()`` go to the replica; every other read, every write and every
    migration goes to "default" (the replica gets its schema by replication)."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
