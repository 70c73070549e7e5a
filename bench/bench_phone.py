"""Phone and SMS: inbound texts through the full pipeline (signed webhook to a visible ticket)
with a real worker, and the voice webhook's answer time (it sits on the caller's line).

The work runs in a process of its own (``bench/phone_driver.py``), as the email benchmark's.
Targets: texts at least at the mail ingest rate; the voice webhook's p95 under 50 ms. The mail
rate is measured beside the texts in the same run (the email benchmark's driver with its mail
POSTed to the inbound webhook through Django's request handling, as the texts are, and one
worker; as many new mails as texts, right before them): on a shared machine only a rate taken
in the same minute compares, so they alternate for ``BENCH_SMS_ROUNDS`` rounds (3) and the
medians are compared. ``BENCH_SMS_BESIDE_MAIL=false`` leaves the mail out (the target is then 200/s).

Environment: ``BENCH_SMS_TEXTS`` (2000), ``BENCH_SMS_PACED`` (500), ``BENCH_SMS_RATE`` (50),
``BENCH_SMS_FEEDERS`` (4), ``BENCH_VOICE_CALLS`` (200), ``BENCH_SMS_TIMEOUT`` (240),
``BENCH_SMS_REDIS_URL`` (default ``REDIS_URL``, else the local Redis).
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

from bench.bench_email import TARGET_RATE
from bench.bench_email import _driver as mail_driver
from bench.harness import Context

VOICE_TARGET_P95_MS = 50.0


def _driver(overrides: dict[str, str] | None = None) -> dict[str, Any]:
    env = dict(os.environ) | (overrides or {})
    env["REDIS_URL"] = env.get("BENCH_SMS_REDIS_URL") or env.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    env.setdefault("LOG_LEVEL", "WARNING")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    try:
        subprocess.run([sys.executable, "-m", "bench.phone_driver", "--out", str(out)], env=env, check=True)
        data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        return data
    finally:
        out.unlink(missing_ok=True)


def _mail_beside(texts: int) -> float | None:
    """New mails per second, POSTed to the inbound webhook as the texts are to theirs and stored by
    the same kind of worker, as many as the texts, measured just now."""
    overrides = {
        "BENCH_EMAIL_MAILS": str(texts),
        "BENCH_EMAIL_REPLIES": "0",
        "BENCH_EMAIL_PACED": "0",
        "BENCH_EMAIL_DOOR": "webhook",
    }
    phases = mail_driver(0, overrides)["phases"]
    return float(phases[0]["rate"]) if phases else None


def _unpaced_rate(data: dict[str, Any]) -> float:
    return next(float(p["rate"]) for p in data["phases"] if "as fast as" in p["name"])


def run(ctx: Context) -> None:
    beside = os.environ.get("BENCH_SMS_BESIDE_MAIL", "true").lower() not in ("0", "false", "no", "off")
    rounds = max(1, int(os.environ.get("BENCH_SMS_ROUNDS", "3"))) if beside else 1
    texts = int(os.environ.get("BENCH_SMS_TEXTS", "2000"))
    # Mail and texts alternate, round after round: on a shared machine the load moves, and only
    # the medians of rates taken in turn compare. The paced phase and the calls run once.
    mail_rates: list[float] = []
    sms_rates: list[float] = []
    data: dict[str, Any] = {}
    for n in range(rounds):
        if beside:
            rate = _mail_beside(texts)
            if rate is not None:
                mail_rates.append(rate)
        once = {} if n == rounds - 1 else {"BENCH_SMS_PACED": "0", "BENCH_VOICE_CALLS": "0"}
        data = _driver(once)
        sms_rates.append(_unpaced_rate(data))
    mail_rate = statistics.median(mail_rates) if mail_rates else None
    sms_rate = statistics.median(sms_rates)
    target = mail_rate if mail_rate is not None else TARGET_RATE
    misses = []
    if mail_rate is not None:
        each = ", ".join(f"{m:g}/{t:g}" for m, t in zip(mail_rates, sms_rates, strict=True))
        ctx.record_value("phone: new mail beside the texts, mails/s (median)", mail_rate, "mails/s", note="worker only")
        ctx.record_value(
            "phone: texts/s ÷ mails/s (medians)",
            round(sms_rate / mail_rate, 2),
            "×",
            note=f"mails/texts per round: {each}",
        )
    ctx.record_value("phone: inbound SMS as fast as they come, texts/s (median)", sms_rate, "texts/s")
    if sms_rate < target:
        misses.append(f"inbound SMS {sms_rate:g}/s < the mail rate {target:g}/s")
    for phase in data["phases"]:
        label = phase["name"].split(",")[0]
        note = (
            f"{phase['processed']}/{phase['mails']} texts in {phase['seconds']} s; fed at {phase['feed_rate']}/s; "
            f"webhook→visible median {phase['median_ms']} ms, p95 {phase['p95_ms']} ms; {phase.get('note') or ''}"
        ).strip("; ")
        ctx.record_value(f"phone: {phase['name']} (last round), texts/s", phase["rate"], "texts/s", note=note)
        if phase["median_ms"] is not None:
            ctx.record_value(f"phone: {label}, webhook→visible p95", phase["p95_ms"], "ms")
    voice = data.get("voice")
    if voice:
        note = (
            f"{voice['calls']} calls, median {voice['median_ms']} ms, max {voice['max_ms']} ms, "
            f"CPU {voice['cpu_ms']} ms, {voice['queries']} q"
        )
        ctx.record_value("phone: voice webhook p95", voice["p95_ms"], "ms", note=note)
        if voice["p95_ms"] >= VOICE_TARGET_P95_MS:
            misses.append(f"voice webhook p95 {voice['p95_ms']} ms ≥ {VOICE_TARGET_P95_MS:g} ms")
    if misses:
        ctx.unavailable("phone: targets", "", "; ".join(misses), status="missed")
