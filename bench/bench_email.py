"""Email ingest through the full pipeline: mails per second and arrival-to-visible latency.

At each size: a few thousand varied mails (``bench/email_corpus.py``) handed to
``hub.pipeline.receive`` the way ``ingest_email`` and the SMTP server do, processed by one real
Celery worker (``--pool=solo``) on PostgreSQL and Redis; then replies threaded by
In-Reply-To/References into the size's tickets; then mail paced at 50 per second. The work runs
in a process of its own (``bench/email_driver.py``) with a real broker and a private queue.

Then the same through the front doors (``bench/email_frontdoor.py``): the production topology
started for the run (uvicorn with 2 workers, the SMTP server, a Celery worker with 2 processes,
Redis, this size's PostgreSQL), mail POSTed to the inbound webhook and sent over SMTP as fast as
they take it and paced, end to end (first send → visible), with the HTTP and SMTP answers that
were not "accepted", the peak of PostgreSQL connections, the sessions PostgreSQL opened and the
connections Redis received. ``BENCH_FRONTDOOR_COMPARE=<git ref>`` measures that commit's servers
too, alternating with this checkout's (``BENCH_FRONTDOOR_ROUNDS`` rounds, 1), and reports the
medians and their ratio; ``BENCH_FRONTDOOR=false`` leaves the front doors out.

Environment: ``BENCH_EMAIL_MAILS`` (3000), ``BENCH_EMAIL_REPLIES`` (2000), ``BENCH_EMAIL_PACED``
(1000), ``BENCH_EMAIL_RATE`` (50), ``BENCH_EMAIL_FEEDERS`` (threads handing mail to receive() in
the unpaced phases, 4), ``BENCH_EMAIL_TIMEOUT`` (seconds a phase may take, 240),
``BENCH_EMAIL_DOOR`` (``receive``: handed to the pipeline in-process; ``webhook``: POSTed to the
inbound webhook through Django's request handling in the driver), ``BENCH_EMAIL_REDIS_URL``
(default ``REDIS_URL``, else the local Redis; pub/sub and queue names are private to the run).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.harness import Context

ROOT = Path(__file__).resolve().parent.parent

TARGET_RATE = 200.0  # mails per second, one worker, this machine
TARGET_PACED_P95_MS = 2000.0
REPLY_TOLERANCE = 0.2  # replies at a million tickets within 20 % of the new-mail rate


def _driver(size: int, overrides: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ) | (overrides or {})
    env["REDIS_URL"] = env.get("BENCH_EMAIL_REDIS_URL") or env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    env.setdefault("LOG_LEVEL", "WARNING")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        subprocess.run([sys.executable, "-m", "bench.email_driver", "--out", str(out)], env=env, check=True)
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return data
    finally:
        out.unlink(missing_ok=True)


def _frontdoor(code: Path, label: str) -> dict[str, Any]:
    env = dict(os.environ)
    env.setdefault("LOG_LEVEL", "WARNING")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        command = [sys.executable, "-m", "bench.email_frontdoor", "--code", str(code), "--label", label]
        subprocess.run([*command, "--out", str(out)], env=env, check=True, cwd=ROOT)
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return data
    finally:
        out.unlink(missing_ok=True)


def _checkout(ref: str) -> Path:
    """The tree of ``ref`` in var/ (git archive: the repository itself is left as it is)."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    target = ROOT / "var" / f"bench-code-{commit[:12]}"
    if not (target / "manage.py").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def _frontdoor_note(phase: dict[str, Any]) -> str:
    answers = ", ".join(f"{k} {v}" for k, v in phase["answers"].items())
    cpu = ", ".join(f"{k} {v}" for k, v in phase["cpu_ms"].items())
    parts = [
        f"{phase['processed']}/{phase['mails']} mails in {phase['seconds']} s",
        f"arrival→visible median {phase['median_ms']} ms, p95 {phase['p95_ms']} ms",
        f"accepted at {phase['feed_rate']}/s",
        f"answers: {answers}",
        f"PostgreSQL: peak {phase['pg_peak_connections']} connections, {phase['pg_sessions_opened']} sessions opened",
        f"Redis: {phase['redis_connections']} connections opened",
        f"CPU ms/mail: {cpu}",
    ]
    if phase.get("note"):
        parts.append(phase["note"])
    return "; ".join(parts)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1) if values else 0.0


def frontdoors(ctx: Context) -> list[str]:
    """The front-door phases (and a comparison, if asked); the target misses."""
    compare = os.environ.get("BENCH_FRONTDOOR_COMPARE", "").strip()
    rounds = max(1, int(os.environ.get("BENCH_FRONTDOOR_ROUNDS", "1")))
    codes = [("this checkout", ROOT)] + ([(compare, _checkout(compare))] if compare else [])
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label, _code in codes}
    for _round in range(rounds):
        for label, code in codes:  # alternating: the machine's other load falls on both alike
            runs[label].append(_frontdoor(code, label))
    misses = []
    current = runs["this checkout"]
    for n, phase in enumerate(current[-1]["phases"]):
        label = phase["name"]
        for case_run in current:
            load = ", ".join(str(x) for x in case_run["load_average"])
            ctx.record_value(f"email front doors: {label}, mails/s", case_run["phases"][n]["rate"], "mails/s",
                             note=_frontdoor_note(case_run["phases"][n]) + f"; load average {load}")  # fmt: skip
        rates = [r["phases"][n]["rate"] for r in current]
        p95s = [r["phases"][n]["p95_ms"] or 0.0 for r in current]
        ctx.record_value(f"email front doors: {label}, arrival→visible p95", _median(p95s), "ms")
        http_500 = sum(r["phases"][n]["http_500"] for r in current)
        smtp_4xx = sum(r["phases"][n]["smtp_4xx"] for r in current)
        errors = sum(r["phases"][n]["errors"] for r in current)
        ctx.record_value(f"email front doors: {label}, HTTP 500 + SMTP 4xx", http_500 + smtp_4xx, "answers",
                         note=f"answers other than accepted: {errors}")  # fmt: skip
        peak = max(r["phases"][n]["pg_peak_connections"] for r in current)
        ctx.record_value(f"email front doors: {label}, PostgreSQL connections (peak)", peak, "connections")
        if "paced" in label:
            if _median(p95s) >= TARGET_PACED_P95_MS:
                misses.append(f"front doors paced p95 {_median(p95s)} ms ≥ {TARGET_PACED_P95_MS:g} ms")
        elif _median(rates) < TARGET_RATE:
            misses.append(f"front doors {label} {_median(rates)}/s < {TARGET_RATE:g}/s")
        if http_500 or smtp_4xx:
            misses.append(f"front doors {label}: {http_500} HTTP 500, {smtp_4xx} SMTP 4xx")
        if compare:
            before = [r["phases"][n]["rate"] for r in runs[compare]]
            ratio = _median(rates) / _median(before) if _median(before) else 0.0
            ctx.record_value(
                f"email front doors: {label}, vs {compare}",
                round(ratio, 2),
                "×",
                note=f"median mails/s {_median(rates)} against {_median(before)} over {rounds} alternating rounds; "
                + "; ".join(_frontdoor_note(r["phases"][n]) for r in runs[compare]),
            )
    return misses


def _note(phase: dict[str, Any]) -> str:
    parts = [
        f"{phase['processed']}/{phase['mails']} mails in {phase['seconds']} s",
        f"arrival→visible median {phase['median_ms']} ms, p95 {phase['p95_ms']} ms",
        f"fed at {phase['feed_rate']}/s",
    ]
    if phase.get("worker_cpu_ms") is not None:
        parts.append(f"worker CPU {phase['worker_cpu_ms']} ms/mail")
    if phase.get("receive_cpu_ms") is not None:
        parts.append(f"receive CPU {phase['receive_cpu_ms']} ms/mail")
    parts.append(", ".join(f"{k} {v}" for k, v in sorted(phase["outcomes"].items())))
    if phase.get("note"):
        parts.append(phase["note"])
    return "; ".join(parts)


def run(ctx: Context) -> None:
    data = _driver(ctx.size)
    phases = {p["name"].split(",")[0].split(" (")[0]: p for p in data["phases"]}
    for label, phase in phases.items():
        note = _note(phase)
        ctx.record_value(f"email: {label}, mails/s", phase["rate"], "mails/s", note=note)
        if phase["median_ms"] is not None:
            ctx.record_value(f"email: {label}, arrival→visible median", phase["median_ms"], "ms")
            ctx.record_value(f"email: {label}, arrival→visible p95", phase["p95_ms"], "ms")
        # CPU per mail hardly moves with the machine's other load, unlike the rates.
        for key, what in (("worker_cpu_ms", "worker"), ("receive_cpu_ms", "receiving")):
            if phase.get(key) is not None:
                ctx.record_value(f"email: {label}, {what} CPU per mail", phase[key], "ms")
    new, replies = phases.get("new mail"), phases.get("replies")
    if new and replies and new["rate"]:
        ratio = replies["rate"] / new["rate"]
        ctx.record_value(
            "email: replies vs new mail rate",
            round(100 * ratio, 1),
            "%",
            note=f"target: at least {100 * (1 - REPLY_TOLERANCE):.0f} % at a million tickets",
        )
    misses = []
    if new and new["rate"] < TARGET_RATE:
        misses.append(f"new mail {new['rate']}/s < {TARGET_RATE:g}/s")
    if new and replies and new["rate"] and replies["rate"] < (1 - REPLY_TOLERANCE) * new["rate"]:
        misses.append(f"replies {replies['rate']}/s below {100 * (1 - REPLY_TOLERANCE):.0f} % of new mail")
    paced = next((p for name, p in phases.items() if name.startswith("mixed mail paced")), None)
    if paced and (paced["p95_ms"] or 0) >= TARGET_PACED_P95_MS:
        misses.append(f"paced p95 {paced['p95_ms']} ms ≥ {TARGET_PACED_P95_MS:g} ms")
    if os.environ.get("BENCH_FRONTDOOR", "true").lower() not in ("0", "false", "no", "off"):
        misses += frontdoors(ctx)
    if misses:
        ctx.unavailable("email: targets", "", "; ".join(misses), status="missed")
