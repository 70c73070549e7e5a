"""``python -m bench.run`` (``make bench``): every bench/bench_*.py at each size, one report.

Each size gets its own PostgreSQL database (``hub_bench10k``, ``hub_bench100k``, ``hub_bench1m``)
on the server of ``BENCH_DATABASE_URL``; a database that already holds enough tickets is reused.
Environment: ``BENCH_SIZES`` (default 10000,100000,1000000), ``BENCH_REPEAT`` (requests per
case, 40), ``BENCH_DEEP_PAGES`` (50), ``BENCH_ONLY`` (module names, e.g. ``inbox,api``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_SIZES = "10000,100000,1000000"


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def database_url(server: str, size: int) -> str:
    parts = urlsplit(server)
    return urlunsplit(parts._replace(path=f"/hub_bench{label(size)}"))


def ensure_database(url: str) -> None:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            print(f"  creating database {name}", flush=True)
            conn.execute(f'CREATE DATABASE "{name}"')


def run_size(server: str, size: int) -> dict[str, Any]:
    url = database_url(server, size)
    ensure_database(url)
    env = dict(os.environ, DATABASE_URL=url)
    # Measure what production runs: no debug toolbar pages, no template debug bookkeeping.
    env["DEBUG"] = os.environ.get("BENCH_DEBUG", "false")
    env.setdefault("SECRET_KEY", "bench-only-secret-never-in-production-0123456789abcdef")
    env.setdefault("LOG_LEVEL", "WARNING")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        code = subprocess.call([sys.executable, "-m", "bench.worker", "--size", str(size), "--out", str(out)], env=env)
        if code != 0 or not out.stat().st_size:
            return {"size": size, "error": f"bench worker exited with {code}", "results": []}
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return data
    finally:
        out.unlink(missing_ok=True)


def fmt(result: dict[str, Any] | None) -> str:
    if result is None:
        return "-"
    if result["status"] != "ok":
        return result["status"]
    if result.get("value") is not None:
        return f"{result['value']:g} {result['unit']}"
    queries = result["queries"]
    if result["queries_max"] != queries:
        queries = f"{queries}-{result['queries_max']}"
    sql = f" (sql {result['sql_ms']:.1f})" if result.get("sql_ms") is not None else ""
    return f"{result['median_ms']:.1f} / {result['p95_ms']:.1f} ms{sql}, {queries} q"


def report(runs: list[dict[str, Any]]) -> tuple[str, list[str]]:
    """The table (median / p95 / queries per size) and the target misses at the largest size."""
    keys: list[tuple[str, str, str]] = []
    by_size: dict[int, dict[tuple[str, str, str], dict[str, Any]]] = {}
    for run in runs:
        table = by_size.setdefault(run["size"], {})
        for result in run["results"]:
            key = (result["bench"], result["case"], result["role"])
            if key not in keys:
                keys.append(key)
            table[key] = result
    sizes = [run["size"] for run in runs]
    header = ["case", "as"] + [f"{label(s)}: median / p95 (sql median), queries" for s in sizes]
    rows = [[case, role] + [fmt(by_size[s].get((bench, case, role))) for s in sizes] for bench, case, role in keys]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)) for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    misses = []
    if sizes:
        largest = by_size[max(sizes)]
        for (_bench, case, role), result in largest.items():
            target = result.get("target_ms")
            if target and result["status"] == "ok" and result["p95_ms"] >= target:
                misses.append(
                    f"{case} as {role}: p95 {result['p95_ms']:.1f} ms ≥ {target:.0f} ms at {label(max(sizes))}"
                )
        # Benchmarks that are not one request (mail ingest, live chat) report their own misses.
        misses += [
            f"{case} ({label(s)}): {r['note']}"
            for s in sizes
            for (_b, case, _role), r in by_size[s].items()
            if r["status"] == "missed"
        ]
        notes = [
            f"{case} as {role} ({label(s)}): {r['note']}"
            for s in sizes
            for (_b, case, role), r in by_size[s].items()
            if r["status"] not in ("ok", "missed") and r.get("note")
        ]
        if notes:
            lines += ["", "Notes:"] + [f"  {n}" for n in dict.fromkeys(notes)]
    return "\n".join(lines), misses


def main() -> int:
    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER)
    if not server.startswith(("postgres://", "postgresql://")):
        print("BENCH_DATABASE_URL must point at a PostgreSQL server", file=sys.stderr)
        return 2
    try:
        sizes = [int(s) for s in os.environ.get("BENCH_SIZES", DEFAULT_SIZES).split(",") if s.strip()]
    except ValueError:
        print(f"BENCH_SIZES must be comma-separated ticket counts, e.g. {DEFAULT_SIZES}", file=sys.stderr)
        return 2
    runs = []
    for size in sizes:
        print(f"== {size:,} tickets ({database_url(server, size).rsplit('/', 1)[-1]})", flush=True)
        started = time.monotonic()
        run = run_size(server, size)
        runs.append(run)
        load = ", ".join(str(x) for x in run.get("load_average", []))
        print(
            f"   done in {time.monotonic() - started:.0f} s (load average {load} on {run.get('cpus')} CPUs)", flush=True
        )
    table, misses = report(runs)
    print()
    print(table)
    print()
    print("Target misses: " + ("none" if not misses else ""))
    for miss in misses:
        print(f"  {miss}")
    RESULTS.mkdir(exist_ok=True)
    latest = RESULTS / "latest.json"
    latest.write_text(
        json.dumps(
            {"finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "runs": runs, "target_misses": misses}, indent=1
        ),
        encoding="utf-8",
    )
    print(f"\nWrote {latest.relative_to(Path.cwd()) if latest.is_relative_to(Path.cwd()) else latest}")
    return 1 if any("error" in run for run in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
