"""Carry the request id and actor from the request that enqueued a task into the task, for logs and audit."""

from __future__ import annotations

from celery.signals import before_task_publish, task_postrun, task_prerun

from crm import context

_tokens: dict[str, object] = {}


@before_task_publish.connect(dispatch_uid="crm.task_context.publish")
def _attach_context(headers: dict | None = None, **kwargs) -> None:
    if headers is None:
        return
    ctx = context.current()
    headers.setdefault("crm_request_id", ctx.request_id)
    headers.setdefault("crm_actor_id", ctx.actor_id)
    headers.setdefault("crm_actor_repr", ctx.actor_repr)


@task_prerun.connect(dispatch_uid="crm.task_context.prerun")
def _enter_context(task_id: str, task, **kwargs) -> None:
    request = task.request
    if getattr(request, "is_eager", False):
        return  # in-process: the caller's context is already in force
    _tokens[task_id] = context.set_context(
        context.RequestContext(
            request_id=getattr(request, "crm_request_id", None) or task_id.replace("-", ""),
            actor_id=getattr(request, "crm_actor_id", None),
            actor_repr=getattr(request, "crm_actor_repr", None) or "",
            channel="task",
        )
    )


@task_postrun.connect(dispatch_uid="crm.task_context.postrun")
def _leave_context(task_id: str, **kwargs) -> None:
    token = _tokens.pop(task_id, None)
    if token is not None:
        context.reset_context(token)
