"""Billing demo data (issue 6 item 8): how long seed_demo's ``billing`` step takes and how many rows it writes.

No target: the step's time is reported next to the rows per table (usage records dominate). Measured by hand at
20,000 customers on PostgreSQL 15 (2 shared cores): 118 s for 3.6 million usage records (the last 90 days),
516,000 monthly totals, 220,000 bills with 685,000 items and 218,000 payments."""

from __future__ import annotations

import re

from bench.common import manage, recreate_database

SCALES = {"100k": 100_000, "1m": 1_000_000}
COUNTS = re.compile(
    r"(?P<records>\d+) usage records .*?, (?P<monthly>\d+) monthly totals, (?P<bills>\d+) bills with (?P<items>\d+) "
    r"items, (?P<payments>\d+) payments"
)
STEP_TIME = re.compile(r"^\s*billing: (?P<seconds>[\d.]+)s$", re.MULTILINE)


def _result(name: str, value: float, unit: str) -> dict:
    return {"name": name, "value": value, "unit": unit, "target": None, "met": None, "raw_sql_value": None}


def parse(output: str) -> list[dict]:
    """The step's time and row counts from seed_demo's output."""
    seconds = STEP_TIME.search(output)
    counts = COUNTS.search(output)
    if not seconds or not counts:
        raise RuntimeError("seed_demo did not report the billing step")
    results = [_result("seed_demo billing step", float(seconds["seconds"]), "s")]
    results += [_result(f"  {name} rows", int(value), "rows") for name, value in counts.groupdict().items()]
    return results


def run(env: dict) -> list[dict]:
    customers = SCALES.get(env["scale"], 100_000)
    db_url = recreate_database("crm_bench_billing")
    manage(db_url, "migrate", "--noinput")
    return parse(manage(db_url, "seed_demo", "--customers", str(customers), "--seed", "1").stdout)
