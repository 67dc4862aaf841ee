"""Fail at once, saying how to start them, when the PostgreSQL or Redis the tests need is not reachable."""

from __future__ import annotations

import os
import sys

DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/crm"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
HOW_TO_START = "Start them with: docker compose up -d db redis   (or set DATABASE_URL / REDIS_URL to running servers)"


def check_postgres(url: str) -> str | None:
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    try:
        conn = psycopg.connect(
            host=cfg.get("HOST") or None,
            port=cfg.get("PORT") or None,
            user=cfg.get("USER") or None,
            password=cfg.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=3,
        )
        conn.close()
    except Exception as exc:
        where = f"{cfg.get('HOST')}:{cfg.get('PORT') or 5432}"
        return f"PostgreSQL at {where} is not reachable ({exc.__class__.__name__}: {exc})"
    return None


def check_redis(url: str) -> str | None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except Exception as exc:
        return f"Redis at {url} is not reachable ({exc.__class__.__name__}: {exc})"
    return None


def main() -> int:
    problems = [
        p
        for p in (
            check_postgres(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL),
            check_redis(os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL),
        )
        if p
    ]
    for problem in problems:
        print(f"ERROR: {problem}", file=sys.stderr)
    if problems:
        print(HOW_TO_START, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
