"""Analytics jobs (issue 8; issue 11 sets the targets at a million customers): wall time and peak memory of each
job on the run's data set (bench/dataset.py), a chunked job on one and on two workers, and the churn model's quality
against the demo's hidden truth labels.

    CRM_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/run.py --only bench_analytics --scale 20k

Each job runs as ``manage.py analytics_job`` in its own process (its peak RSS is read with wait4). Churn is trained
and scored at a cut-off 75 days back so the truth evaluation has churners after it. BENCH_ANALYTICS_ALL=1 adds the
credit scorecard (after the first arrears run, which seed_demo leaves to the nightly job beyond 5,000 customers) and
the dashboards' year of aggregates, with the fraud and credit truth figures: they have no target and take long.
Targets (issue 11, at 1M customers on 2 cores): churn monthly run ≤ 5 min, fraud daily run ≤ 60 s,
segmentation ≤ 60 s, each within 4 GB; 2 workers ≥ 1.6× faster than 1 on chunked parts."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from bench import common, dataset
from bench.common import ROOT

GIB = 2**30
DUNNING = (
    "from django.utils import timezone; from billing_sync.services.dunning import dunning_run; "
    "dunning_run(now=timezone.now(), fan_out=False)"
)


def _env(db_url: str, var_dir: str) -> dict:
    return {
        **os.environ,
        "CRM_ENV": "development",
        "DATABASE_URL": db_url,
        "CRM_VAR_DIR": var_dir,
        "DJANGO_SETTINGS_MODULE": "crm.settings.main",
        "LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
    }


def _measured(env: dict, *args: str) -> tuple[float, int, str]:
    """Run manage.py in a child process: (seconds, peak RSS in bytes, output)."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)  # fmt: skip
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        out.seek(0)
        text = out.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{text[-3000:]}")
    return seconds, usage.ru_maxrss * 1024, text


def _result(name: str, value: float, unit: str, target: float | None = None, *, less: bool = True) -> dict:
    met = None if target is None else (value <= target if less else value >= target)
    return {"name": name, "value": round(value, 3), "unit": unit, "target": target, "met": met, "raw_sql_value": None}


def _workers_run(env: dict, kind: str, as_of: str, params: dict, concurrency: int) -> float:
    """Time a job from enqueue to done with one Celery worker process of ``concurrency`` children."""
    broker = common.BROKER_URL
    wenv = {**env, "REDIS_URL": broker, "CELERY_TASK_ALWAYS_EAGER": "0"}
    subprocess.run(["redis-cli", "-u", broker, "flushdb"], check=False, capture_output=True)
    log = Path(tempfile.mkstemp(prefix=f"bench-worker{concurrency}-", suffix=".log")[1])
    worker = subprocess.Popen(
        [str(Path(sys.executable).parent / "celery"), "-A", "crm", "worker", "-Q", "analytics", "-c", str(concurrency),
         "--prefetch-multiplier", "1", "-n", f"bench{concurrency}@localhost"],
        cwd=ROOT, env=wenv, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(6)  # the worker and its children start
        args = ["analytics_job", kind, "--as-of", as_of, "--queue"]
        for key, value in params.items():
            args += ["--param", f"{key}={json.dumps(value)}"]
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=wenv, check=True, capture_output=True)
        deadline = time.monotonic() + 3600
        query = "SELECT status, finished_at - created_at FROM analytics_analyticsjob ORDER BY id DESC LIMIT 1"
        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            while True:
                status, took = conn.execute(query).fetchone()
                if status in ("done", "failed") or worker.poll() is not None or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        if status != "done":
            raise RuntimeError(f"{kind} on {concurrency} worker processes: {status}\n{log.read_text()[-3000:]}")
        return took.total_seconds()  # from enqueue to the last chunk's finish, as the database recorded them
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def run(env: dict) -> list[dict]:
    db_url = dataset.prepare(env)
    everything = os.environ.get("BENCH_ANALYTICS_ALL") == "1"
    var_dir = common.var_dir(db_url)
    e = _env(db_url, var_dir)
    results = []
    if everything:
        took, _rss, _ = _measured(e, "shell", "-c", DUNNING)
        results.append(_result("first arrears run (for the credit labels)", took, "s"))
    today = datetime.date.today()
    cutoff = (today - datetime.timedelta(days=75)).isoformat()
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    # A run of its own for every job: on a kept data set the same cut-off's earlier runs would be answered as done.
    run_name = f"bench-{int(time.time())}"
    variant = ["--param", f"variant={json.dumps(run_name)}"]
    rebuild = ["--param", "rebuild_features=true"]  # the earlier cut-offs' features too, as on a new data set
    steps = [
        ("features", "features", cutoff, [], None),
        ("churn training (features at two earlier cut-offs, train, evaluate)", "churn_train", cutoff, rebuild, None),
        ("churn scoring", "churn_score", cutoff, [], None),
        ("segmentation", "segmentation", yesterday, [], 60),
        ("fraud daily run (one day of usage)", "fraud_daily", yesterday, [], 60),
    ]
    if everything:
        steps += [
            ("credit scorecard (train + score)", "credit", today.isoformat(), ["--param", "outcome_days=60"], None),
            ("dashboard aggregates (a year)", "marts", today.isoformat(), ["--param", "days=400"], None),
        ]
    churn_total = 0.0
    for label, kind, as_of, extra, target in steps:
        seconds, rss, _ = _measured(e, "analytics_job", kind, "--as-of", as_of, *extra, *variant)
        if kind in ("features", "churn_train", "churn_score"):
            churn_total += seconds
        results.append(_result(f"{label}: wall time", seconds, "s", target))
        results.append(_result(f"{label}: peak memory", rss / GIB, "GiB", 4.0))
    results.append(_result("churn monthly run (features + train + score)", churn_total, "s", 300))
    # One chunked job on one and on two worker processes: the features of another cut-off, in 8 chunks.
    chunk = {"chunk_size": max(1, env["dataset"]["customers"] // 8), "variant": run_name}
    one = _workers_run(e, "features", (today - datetime.timedelta(days=40)).isoformat(), chunk, 1)
    two = _workers_run(e, "features", (today - datetime.timedelta(days=41)).isoformat(), chunk, 2)
    results += [
        _result("features job, 8 chunks, 1 worker process", one, "s"),
        _result("features job, 8 chunks, 2 worker processes", two, "s"),
        _result("speed-up of 2 worker processes over 1", one / two, "x", 1.6, less=False),
    ]
    # Churn scored at the past cut-off against who left after it; fraud alerts and credit scores as they are now.
    _measured(e, "analytics_evaluate_truth", "--as-of", cutoff, "--json", f"{var_dir}/truth-churn.json")
    truth = {"churn": json.loads(Path(f"{var_dir}/truth-churn.json").read_text()).get("churn")}
    if everything:
        _measured(e, "analytics_evaluate_truth", "--json", f"{var_dir}/truth-now.json")
        now = json.loads(Path(f"{var_dir}/truth-now.json").read_text())
        truth |= {"fraud": now.get("fraud"), "credit": now.get("credit")}
    results += _truth_results(truth)
    return results


def _truth_results(truth: dict) -> list[dict]:
    """The headline figures of analytics_evaluate_truth's JSON."""
    out = []
    churn = truth.get("churn") or {}
    for key in ("auc", "pr_auc", "lift_top_decile"):
        if churn.get(key) is not None:
            out.append(_result(f"churn vs truth: {key}", float(churn[key]), ""))
    fraud = (truth.get("fraud") or {}).get("all") or truth.get("fraud") or {}
    for key in ("precision", "recall"):
        if isinstance(fraud, dict) and fraud.get(key) is not None:
            out.append(_result(f"fraud alerts vs truth: {key}", float(fraud[key]), ""))
    credit = truth.get("credit") or {}
    if credit.get("auc") is not None:
        out.append(_result("credit vs truth: AUC", float(credit["auc"]), ""))
    return out
