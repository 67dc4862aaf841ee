"""The analytics SQL runs on PostgreSQL and on the embedded SQLite database of ``make run``: the ``analytics.sql``
helpers give the same answers on both, and the demo's analytics step runs every job on SQLite without an SQL error."""

# ruff: noqa: S608 - SQL built from analytics.sql expressions; values are parameters.

from __future__ import annotations

import datetime
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection as pg_connection
from django.db.utils import ConnectionHandler

from analytics import sql
from analytics.models import FraudAlert

ROOT = Path(__file__).resolve().parents[2]

# --- the helpers, on both vendors -------------------------------------------------------------------------------


@pytest.fixture(params=["postgresql", "sqlite"])
def conn(request, monkeypatch, django_db_blocker):
    """A Django connection of each vendor, which ``analytics.sql`` then builds its SQL for."""
    if request.param == "postgresql":
        request.getfixturevalue("db")
        yield pg_connection
        return
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
    sqlite = handler["default"]
    monkeypatch.setattr(sql, "connection", sqlite)
    with django_db_blocker.unblock():
        yield sqlite
        sqlite.close()


def one(conn, query: str, params: list):
    with conn.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()


def aware(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def test_local_date_is_the_shanghai_calendar_day(conn):
    # 16:00 UTC is midnight in Shanghai (UTC+8, no daylight saving).
    assert sql.to_date(one(conn, f"SELECT {sql.local_date('%s')}", [sql.ts(aware(2026, 12, 1, 15, 59))])[0]) == (
        datetime.date(2026, 12, 1)
    )
    assert sql.to_date(one(conn, f"SELECT {sql.local_date('%s')}", [sql.ts(aware(2026, 12, 1, 16, 0))])[0]) == (
        datetime.date(2026, 12, 2)
    )


def test_local_midnight_of_a_date_column_equals_the_midnight_parameter(conn):
    day = datetime.date(2026, 12, 2)
    query = f"SELECT CASE WHEN {sql.local_midnight('%s')} = %s THEN 1 ELSE 0 END"
    assert one(conn, query, [day, sql.midnight(day)]) == (1,)
    assert sql.midnight(day) == sql.ts(aware(2026, 12, 1, 16, 0))


def test_date_arithmetic(conn):
    day = datetime.date(2026, 2, 1)
    query = (
        f"SELECT {sql.days_between(sql.date_add('%s', 30), '%s')}, {sql.month_end('%s')}, "
        f"{sql.greatest('%s', sql.date_add('%s', -1))}, {sql.least('%s', sql.date_add('%s', -1))}"
    )
    later, month_end, greatest, least = one(conn, query, [day, day, day, day, day, day, day])
    assert later == 30
    assert sql.to_date(month_end) == datetime.date(2026, 2, 28)
    assert sql.to_date(greatest) == day
    assert sql.to_date(least) == datetime.date(2026, 1, 31)


def test_epoch_seconds(conn):
    at = aware(2026, 12, 1, 16, 30, 5)
    assert one(conn, f"SELECT {sql.epoch_seconds('%s')}", [sql.ts(at)]) == (int(at.timestamp()),)


def test_in_list_and_values_table(conn):
    three = "SELECT 1 AS x UNION ALL SELECT 2 UNION ALL SELECT 3"
    assert one(conn, f"SELECT count(*) FROM ({three}) t WHERE {sql.in_list('x')}", [sql.array([1, 3])]) == (2,)
    values, params = sql.values_table(
        {"id": ("bigint", [1, 2]), "label": ("text", ["一", "two"]), "doc": ("jsonb", ['["a"]', '["b", "c"]'])}
    )
    total, labels = one(conn, f"SELECT sum(v.id), min(v.label) FROM {values}", params)
    assert (total, labels) == (3, "two")


def test_seeded_order_is_repeatable_and_depends_on_the_seed(conn):
    ids = "WITH RECURSIVE s(id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM s WHERE id < 50) SELECT id FROM s"

    def sample(seed: float) -> list[int]:
        with conn.cursor() as cursor:
            order = sql.seeded_order(cursor, seed)
            cursor.execute(f"{ids} ORDER BY {order} LIMIT %s", [50])
            return [row[0] for row in cursor.fetchall()]

    first = sample(0.42)
    assert sorted(first) == list(range(1, 51))
    assert first != list(range(1, 51))
    assert sample(0.42) == first
    assert sample(0.7) != first


def test_reserved_ids_are_fresh_and_never_handed_out_twice(conn):
    if conn.vendor == "sqlite":
        with conn.cursor() as cursor:
            cursor.execute("CREATE TABLE probe (id integer NOT NULL PRIMARY KEY AUTOINCREMENT, x integer)")
        table = "probe"
        assert sql.reserve_ids(table, 2) == [1, 2]  # no sqlite_sequence row yet
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO probe (id, x) VALUES (%s, 0)", [7])
    else:
        table = FraudAlert._meta.db_table
    first, second = sql.reserve_ids(table, 3), sql.reserve_ids(table, 2)
    assert first == list(range(first[0], first[0] + 3))
    assert second[0] > first[-1]
    if conn.vendor == "sqlite":
        assert first == [8, 9, 10]  # past the row inserted with an explicit id


def test_fixed_offset_of_the_project_zone():
    assert sql.fixed_offset_minutes("Asia/Shanghai") == 480
    assert sql.fixed_offset_minutes("Europe/Berlin") is None


def test_time_zone_names_are_checked_before_being_inlined():
    with pytest.raises(ValueError, match="time zone"):
        sql.local_date("created_at", tz="UTC'; DROP TABLE x; --")


# --- the demo's analytics step on SQLite ----------------------------------------------------------------------------

DEMO_JOBS = ("features", "churn_train", "churn_score", "segmentation", "credit", "fraud_daily")
# Churn needs churners in two windows: a 200-customer demo may have too few, a readable refusal (not an SQL error).
MAY_REFUSE = {"churn_train": "Not enough history", "churn_score": "no churn model yet", "credit": "Not enough"}
CHURN_SMALL = """
import datetime
from django.utils import timezone
from analytics.services.jobs import job_run_now
from customers.models import Customer
day = timezone.localdate() - datetime.timedelta(days=1)
train = job_run_now("churn_train", as_of=day, params={"variant": "t", "min_rows": 50, "min_positives": 2})
score = job_run_now("churn_score", as_of=day, params={"variant": "t"})
print("CHURN", train.status, score.status, score.rows_done,
      Customer.objects.exclude(churn_risk=None).exclude(churn_reasons=[]).count())
"""


def _env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    return {**env, "CRM_ENV": "development", "CRM_VAR_DIR": str(var_dir)}


def _manage(var_dir: Path, *args: str, timeout: int = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(var_dir),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    return output


def _migrated_sqlite() -> Path:
    """A migrated, empty SQLite database, kept between runs under the temp directory for this set of migrations
    (migrating takes half a minute of the test's budget; the key changes whenever a migration file does)."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")) + sorted(ROOT.glob("crm/*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + path.read_bytes())
    cache = Path(tempfile.gettempdir()) / "crm-sqlite-migrated"
    target = cache / f"{digest.hexdigest()[:16]}.sqlite3"
    if not target.exists():
        build = Path(tempfile.mkdtemp(prefix="crm-sqlite-migrate-"))
        _manage(build, "migrate", "--noinput", "-v0")
        cache.mkdir(exist_ok=True)
        os.replace(build / "crm.sqlite3", target)  # atomic: a concurrent run sees the whole file or none
        shutil.rmtree(build, ignore_errors=True)
    return target


@pytest.mark.slow
def test_demo_analytics_step_runs_every_job_on_sqlite(tmp_path):
    # Given: make run's embedded database (no DATABASE_URL, no Redis: jobs run in process), migrated.
    shutil.copy(_migrated_sqlite(), tmp_path / "crm.sqlite3")

    # When: the demo is seeded, with its analytics step.
    output = _manage(tmp_path, "seed_demo", "--customers", "200", "--seed", "1")

    # Then: every job ran, or refused with a readable message; none failed on SQL.
    assert "OperationalError" not in output and "ProgrammingError" not in output, output[-3000:]
    lines = {kind: [line for line in output.splitlines() if line.strip().startswith(f"{kind} ")] for kind in DEMO_JOBS}
    assert len(lines["fraud_daily"]) == 7, output[-3000:]
    for kind, found in lines.items():
        assert found, f"no line for {kind}"
        for line in found:
            if "not run" in line:
                assert kind in MAY_REFUSE and MAY_REFUSE[kind] in line, line
    for kind in ("features", "segmentation", "fraud_daily"):
        assert all(" rows {" in line for line in lines[kind]), lines[kind]

    # And: with thresholds a tiny demo meets, churn training and scoring run on SQLite too (their UPDATE included).
    churn = _manage(tmp_path, "shell", "-c", CHURN_SMALL)
    status = next(line for line in churn.splitlines() if line.startswith("CHURN")).split()
    assert status[1:3] == ["done", "done"], churn[-3000:]
    assert int(status[3]) > 0 and int(status[4]) > 0
