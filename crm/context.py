"""Who is acting, from where, under which request id: set per request or task, read by audit and logs."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class RequestContext:
    request_id: str = "-"
    actor_id: int | None = None
    actor_repr: str = ""
    ip: str | None = None
    channel: str = "system"  # ui, api, admin, portal, system, task


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("crm_request_context", default=_EMPTY)


def current() -> RequestContext:
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def set_context(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def reset_context(token: contextvars.Token) -> None:
    _current.reset(token)


def update_context(**changes: object) -> None:
    _current.set(replace(_current.get(), **changes))


@contextmanager
def acting_as(*, actor=None, channel: str = "system", request_id: str | None = None) -> Iterator[RequestContext]:
    """Run a block (a command, a task) with an actor and channel recorded in audit entries and logs."""
    ctx = RequestContext(
        request_id=request_id or new_request_id(),
        actor_id=getattr(actor, "pk", None),
        actor_repr=actor.get_username() if actor is not None else "",
        channel=channel,
    )
    token = set_context(ctx)
    try:
        yield ctx
    finally:
        reset_context(token)
