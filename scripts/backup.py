"""Back up and restore the CRM's PostgreSQL database (`make backup`, `make restore FILE=...`).

    python scripts/backup.py backup [--dir DIR]         pg_dump -Fc of DATABASE_URL into DIR/crm-<time>.dump
    python scripts/backup.py restore FILE [--yes]       pg_restore --clean --if-exists --no-owner into DATABASE_URL

DATABASE_URL is parsed like the settings do (dj-database-url). The password goes to pg_dump/pg_restore through the
environment (PGPASSWORD), never on a command line other users can read. A dump is written under a temporary name and
renamed when pg_dump succeeded, so a file named crm-*.dump is always complete; it holds personal data, so it is
readable by its owner only. A restore runs in a single transaction: if it fails, the database is left as it was.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class BackupError(Exception):
    """A refusal or failure to report in one line (exit status 2)."""


def pg_environment(database_url: str) -> tuple[dict[str, str], str]:
    """The libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE) for a DATABASE_URL, and a
    description of the target without the password."""
    import dj_database_url

    config = dj_database_url.parse(database_url)
    if "postgresql" not in config.get("ENGINE", ""):
        raise BackupError(f"DATABASE_URL must point at PostgreSQL, not {config.get('ENGINE') or 'nothing'}.")
    if not config.get("NAME"):
        raise BackupError("DATABASE_URL names no database.")
    env = {
        "PGHOST": str(config.get("HOST") or "127.0.0.1"),
        "PGPORT": str(config.get("PORT") or 5432),
        "PGDATABASE": str(config["NAME"]),
    }
    if config.get("USER"):
        env["PGUSER"] = str(config["USER"])
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    sslmode = (config.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    where = f"{env['PGDATABASE']} on {env['PGHOST']}:{env['PGPORT']}"
    return env, where


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise BackupError("Set DATABASE_URL to the database to back up or restore (see README, Configuration).")
    return url


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def backup(*, directory: Path, database_url: str, now: datetime.datetime | None = None) -> Path:
    """Dump the database in pg_dump's custom format into ``directory``; returns the file."""
    env, where = pg_environment(database_url)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = directory / f"crm-{stamp}.dump"
    partial = target.with_suffix(".dump.partial")
    command = [_tool("pg_dump"), "--format=custom", "--no-password", f"--file={partial}"]
    old_umask = os.umask(0o077)  # the dump holds personal data: owner only
    try:
        result = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)  # noqa: S603
    finally:
        os.umask(old_umask)
    if result.returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump of {where} failed: {result.stderr.strip()}")
    partial.rename(target)
    print(f"Backed up {where} to {target} ({target.stat().st_size:,} bytes)")
    return target


def restore(*, file: Path, database_url: str, assume_yes: bool = False, ask=input) -> None:
    """Restore a dump into the database, replacing the objects the dump holds; asks first unless ``assume_yes``."""
    env, where = pg_environment(database_url)
    if not file.is_file():
        raise BackupError(f"No dump file {file}.")
    if not assume_yes:
        answer = ask(f"This replaces the data in {where} with {file}. Type the database name to go on: ")
        if answer.strip() != env["PGDATABASE"]:
            raise BackupError("Not restored.")
    command = [
        _tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
        "--exit-on-error", "--no-password", f"--dbname={env['PGDATABASE']}", str(file),
    ]  # fmt: skip
    result = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"pg_restore into {where} failed (nothing was changed): {result.stderr.strip()}")
    print(f"Restored {file} into {where}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    dump = commands.add_parser("backup", help="dump DATABASE_URL into a timestamped file")
    var_dir = Path(os.environ.get("CRM_VAR_DIR") or ROOT / "var")
    dump.add_argument("--dir", type=Path, default=var_dir / "backups", help="where to write (default: var/backups)")
    load = commands.add_parser("restore", help="restore a dump into DATABASE_URL")
    load.add_argument("file", type=Path)
    load.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    args = parser.parse_args(argv)
    try:
        if args.command == "backup":
            backup(directory=args.dir, database_url=_database_url())
        else:
            restore(file=args.file, database_url=_database_url(), assume_yes=args.yes)
    except (BackupError, EOFError) as exc:
        print(f"{Path(sys.argv[0]).name}: {exc or 'Not restored.'}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
