"""Running analytics jobs in chunks (分块作业): the registry of job kinds and the runner.

A job kind registers a ``JobSpec``: what to do once before the chunks (``prepare``, e.g. train a model), what to do for
the customers of one id range (``run_chunk``), and what to record at the end (``finish``). The runner
(``analytics.services.jobs``) plans the chunks, runs them on the ``analytics`` queue (one Celery task per chunk, so two
workers take two chunks at once), records progress, and resumes a job that lost its worker: a chunk's results are
written in the same transaction that marks the chunk done, so a chunk that died left nothing behind and runs again,
and a chunk that finished is never run twice.
"""

from .registry import JobSpec, job_spec, register

__all__ = ["JobSpec", "job_spec", "register"]
