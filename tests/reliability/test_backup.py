"""Backups (issue 12, item 6): `make backup` dumps a database, `make restore` loads the dump into another one, and the
rows are there. Scratch databases are created and dropped by the tests, on the test server."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "backup.py"


def _server() -> dict:
    db = settings.DATABASES["default"]
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return {"host": host, "port": port, "user": db["USER"], "password": db["PASSWORD"]}


def _url(name: str) -> str:
    s = _server()
    auth = s["user"] + (f":{s['password']}" if s["password"] else "")
    return f"postgres://{auth}@{s['host']}:{s['port']}/{name}"


def _connect(name: str) -> psycopg.Connection:
    s = _server()
    return psycopg.connect(
        host=s["host"], port=s["port"], user=s["user"], password=s["password"] or None, dbname=name, autocommit=True
    )


@pytest.fixture
def scratch_databases():
    """Two empty scratch databases (source and target), dropped afterwards whatever happens."""
    names = [f"crm_backup_{kind}_{uuid.uuid4().hex[:10]}" for kind in ("src", "dst")]
    with _connect("postgres") as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield names
    finally:
        with _connect("postgres") as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed(name: str) -> None:
    """A few rows like the CRM's: parties with Chinese names, a foreign key, a month-partitioned usage table."""
    with _connect(name) as conn:
        conn.execute("CREATE TABLE party (id int PRIMARY KEY, name text NOT NULL, id_number varchar(18) UNIQUE)")
        conn.execute("CREATE TABLE bill (id int PRIMARY KEY, party_id int REFERENCES party(id), amount numeric(10,2))")
        conn.execute("CREATE TABLE usage (id bigint, started_at timestamptz NOT NULL) PARTITION BY RANGE (started_at)")
        conn.execute("CREATE TABLE usage_202611 PARTITION OF usage FOR VALUES FROM ('2026-11-01') TO ('2026-12-01')")
        conn.execute("CREATE TABLE usage_202612 PARTITION OF usage FOR VALUES FROM ('2026-12-01') TO ('2027-01-01')")
        conn.execute("INSERT INTO party VALUES (1, '张伟明', '11010519491231002X'), (2, '李娜', '340104199001011234')")
        conn.execute("INSERT INTO bill VALUES (10, 1, 59.00), (11, 2, 128.50)")
        conn.execute("INSERT INTO usage VALUES (100, '2026-11-15 10:00+08'), (101, '2026-12-02 09:00+08')")


def _run(*args: str, database: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": _url(database)}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_a_dump_restored_into_another_database_has_the_rows(scratch_databases, tmp_path):
    source, target = scratch_databases
    _seed(source)
    with _connect(target) as conn:  # the target already has an older copy: --clean replaces it
        conn.execute("CREATE TABLE party (id int PRIMARY KEY, name text NOT NULL, id_number varchar(18) UNIQUE)")
        conn.execute("INSERT INTO party VALUES (1, 'stale', NULL)")

    dumped = _run("backup", "--dir", str(tmp_path), database=source)
    assert dumped.returncode == 0, dumped.stderr
    (dump,) = tmp_path.glob("crm-*.dump")
    assert dump.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only
    assert not list(tmp_path.glob("*.partial"))
    assert "PGPASSWORD" not in dumped.stdout and str(dump) in dumped.stdout

    restored = _run("restore", str(dump), "--yes", database=target)
    assert restored.returncode == 0, restored.stderr
    with _connect(target) as conn:
        assert conn.execute("SELECT id, name, id_number FROM party ORDER BY id").fetchall() == [
            (1, "张伟明", "11010519491231002X"),
            (2, "李娜", "340104199001011234"),
        ]
        assert conn.execute("SELECT sum(amount)::text FROM bill").fetchone() == ("187.50",)
        assert conn.execute("SELECT count(*) FROM usage").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM usage_202612").fetchone() == (1,)  # partitions came back
        # Constraints came back too: a bill for an unknown party is refused.
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("INSERT INTO bill VALUES (12, 99, 1.00)")


def test_restore_asks_first_and_a_wrong_answer_changes_nothing(scratch_databases, tmp_path):
    source, target = scratch_databases
    _seed(source)
    assert _run("backup", "--dir", str(tmp_path), database=source).returncode == 0
    (dump,) = tmp_path.glob("crm-*.dump")

    refused = _run("restore", str(dump), database=target, stdin="yes\n")  # not the database name
    assert refused.returncode == 2 and "Not restored" in refused.stderr
    with _connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone() == (0,)

    confirmed = _run("restore", str(dump), database=target, stdin=f"{target}\n")
    assert confirmed.returncode == 0, confirmed.stderr
    with _connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM party").fetchone() == (2,)


def test_a_failed_backup_leaves_no_file_and_says_why(tmp_path):
    result = _run("backup", "--dir", str(tmp_path), database=f"crm_missing_{uuid.uuid4().hex[:8]}")
    assert result.returncode == 2 and "pg_dump" in result.stderr and "failed" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_make_targets_call_the_script():
    backup = subprocess.run(["make", "-n", "backup"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert "scripts/backup.py backup" in backup.stdout
    restore = subprocess.run(
        ["make", "-n", "restore", "FILE=var/backups/crm-x.dump", "YES=1"], cwd=ROOT, capture_output=True, text=True
    )
    assert 'scripts/backup.py restore "var/backups/crm-x.dump" --yes' in restore.stdout
    asks = subprocess.run(["make", "-n", "restore", "FILE=x.dump"], cwd=ROOT, capture_output=True, text=True)
    assert "--yes" not in asks.stdout
