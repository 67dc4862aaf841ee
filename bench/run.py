"""Run the benchmarks and print each figure next to its target; write bench/results/<time>.json and latest.json.

Usage: make bench [SCALE=100k|1m]   (never part of make test)
       python bench/run.py --scale 20k --only bench_requests,bench_load   (a quick check on a small data set)

Every benchmark measures the one data set of the scale (bench/dataset.py: generated on first use, kept between runs,
its generation time reported with the results). Each benchmark module in bench/ named bench_*.py has
``run(env) -> list[dict]`` returning results shaped ``{"name", "value", "unit", "target", "met", "raw_sql_value"}``
and calls ``bench.dataset.prepare(env)`` for the data set's URL.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import dataset  # noqa: E402


def machine() -> str:
    cores = os.cpu_count()
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    system = f"{platform.system()} {platform.release()}"
    return f"{platform.machine()} {cores} cores {mem_gib:.0f} GiB, {system}, Python {platform.python_version()}"


def calibration(url: str) -> list[dict]:
    """The machine's speed on fixed work, so runs on different machines can be compared: the same code ran 1.85-2.9x
    slower on some of this project's machines than on others, raw SQL included. Best of 5 each."""
    import psycopg

    def best(func, n: int = 5) -> float:
        times = []
        for _ in range(n):
            started = time.perf_counter()
            func()
            times.append((time.perf_counter() - started) * 1000)
        return min(times)

    python_ms = best(lambda: sum(i * i % 7 for i in range(2_000_000)))
    with psycopg.connect(url, autocommit=True) as conn:
        round_trip_ms = best(lambda: [conn.execute("SELECT 1").fetchone() for _ in range(1000)]) / 1000
        series_ms = best(lambda: conn.execute("SELECT count(*) FROM generate_series(1, 3000000)").fetchone())
    row = lambda name, value: {"name": name, "value": round(value, 3), "unit": "ms", "target": None,  # noqa: E731
                               "met": None, "raw_sql_value": None}  # fmt: skip
    return [
        row("machine: Python, 2 million iterations of a generator sum", python_ms),
        row("machine: PostgreSQL SELECT 1 round trip", round_trip_ms),
        row("machine: PostgreSQL count(*) over generate_series(1, 3 million)", series_ms),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="100k", help="data-set size: 100k or 1m; 20k for a quick run")
    parser.add_argument("--only", default="", help="comma-separated benchmark module names (default: all)")
    args = parser.parse_args()
    modules = sorted(p.stem for p in (ROOT / "bench").glob("bench_*.py"))
    if args.only:
        modules = [m for m in modules if m in args.only.split(",")]
    env = {"scale": args.scale, "root": ROOT}
    dataset.customers_of(args.scale)  # an unknown scale stops here, before anything is generated
    started = time.monotonic()
    print(f"== data set ({args.scale})", flush=True)
    url = dataset.prepare(env)
    results: list[dict] = calibration(url) + dataset.generation_results(env)
    print("   " + "; ".join(f"{r['name'].removeprefix('machine: ')} {r['value']} ms" for r in results[:3]), flush=True)
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    partial = results_dir / f"{stamp}.partial.json"

    def document(finished: list[str]) -> dict:
        elapsed = time.monotonic() - started
        # The load average says how quiet the machine was: figures from a busy machine are not comparable.
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
        return {"time": stamp, "machine": machine(), "load_average": load, "scale": args.scale, "modules": finished,
                "run_minutes": round(elapsed / 60, 1), "results": results, "dataset": env.get("dataset"),
                "series": env.get("series", {}), "module_minutes": module_minutes}  # fmt: skip

    finished: list[str] = []
    module_minutes = {"data set": round((time.monotonic() - started) / 60, 1)}
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        print(f"== {name}", flush=True)
        module_started = time.monotonic()
        results.extend(module.run(env))
        finished.append(name)
        module_minutes[name] = round((time.monotonic() - module_started) / 60, 1)
        print(f"   {name}: {module_minutes[name]} min", flush=True)
        # What is measured so far survives a run stopped part-way (a 1m run takes an hour).
        partial.write_text(json.dumps(document(finished), indent=2, ensure_ascii=False))
    width = max((len(r["name"]) for r in results), default=10)
    print()
    print(f"{'benchmark':<{width}}  {'value':>10} {'unit':<8} {'target':>10}  met   raw SQL")
    for r in results:
        met = "-" if r["met"] is None else ("yes" if r["met"] else "NO")
        raw = "" if r.get("raw_sql_value") is None else f"{r['raw_sql_value']:.3f}"
        target = "" if r.get("target") is None else str(r["target"])
        print(f"{r['name']:<{width}}  {r['value']:>10.3f} {r['unit']:<8} {target:>10}  {met:<4}  {raw}")
    out = document(finished)
    parts = ", ".join(f"{name} {minutes}" for name, minutes in module_minutes.items())
    print(f"\nThe whole run took {out['run_minutes']} minutes ({parts}).")
    (results_dir / f"{stamp}.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))
    (results_dir / "latest.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    partial.unlink(missing_ok=True)
    print(f"\nMachine: {out['machine']}, load average {out['load_average']}")
    print(f"Wrote bench/results/{stamp}.json and bench/results/latest.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
