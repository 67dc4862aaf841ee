"""A task runs under the request id and actor of the request that enqueued it."""

from types import SimpleNamespace

from crm import context, task_context


def test_publish_attaches_the_current_request_context_to_the_message():
    headers: dict = {}
    with context.acting_as(channel="ui", request_id="req-77"):
        task_context._attach_context(headers=headers)
    assert headers["crm_request_id"] == "req-77"


def test_worker_side_runs_the_task_in_that_context_and_leaves_it_after():
    task = SimpleNamespace(
        request=SimpleNamespace(is_eager=False, crm_request_id="req-77", crm_actor_id=5, crm_actor_repr="clerk")
    )
    task_context._enter_context(task_id="t-1", task=task)
    inside = context.current()
    task_context._leave_context(task_id="t-1")
    assert (inside.request_id, inside.actor_id, inside.actor_repr, inside.channel) == ("req-77", 5, "clerk", "task")
    assert context.current().request_id == "-"


def test_eager_tasks_keep_the_callers_context():
    task = SimpleNamespace(request=SimpleNamespace(is_eager=True))
    with context.acting_as(channel="ui", request_id="req-9"):
        task_context._enter_context(task_id="t-2", task=task)
        assert context.current().request_id == "req-9"
        task_context._leave_context(task_id="t-2")
