"""Email ingest through the full pipeline: mails per second and arrival-to-visible latency.

At each size: a few thousand varied mails (``bench/email_corpus.py``) handed to
``hub.pipeline.receive`` the way ``ingest_email`` and the SMTP server do, processed by one real
Celery worker (``--pool=solo``) on PostgreSQL and Redis; then replies threaded by
In-Reply-To/References into the size's tickets; then mail paced at 50 per second. The work runs
in a process of its own (``bench/email_driver.py``) with a real broker and a private queue.

Environment: ``BENCH_EMAIL_MAILS`` (3000), ``BENCH_EMAIL_REPLIES`` (2000), ``BENCH_EMAIL_PACED``
(1000), ``BENCH_EMAIL_RATE`` (50), ``BENCH_EMAIL_FEEDERS`` (threads handing mail to receive() in
the unpaced phases, 4), ``BENCH_EMAIL_TIMEOUT`` (seconds a phase may take, 240),
``BENCH_EMAIL_REDIS_URL`` (default ``REDIS_URL``, else the local Redis; pub/sub and queue names
are private to the run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.harness import Context

TARGET_RATE = 200.0  # mails per second, one worker, this machine
TARGET_PACED_P95_MS = 2000.0
REPLY_TOLERANCE = 0.2  # replies at a million tickets within 20 % of the new-mail rate


def _driver(size: int) -> dict[str, Any]:
    env = dict(os.environ)
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
    if misses:
        ctx.unavailable("email: targets", "", "; ".join(misses), status="missed")
