"""Imported by a real Celery worker in a test (``celery -A hub worker -I hub.tests.worker_memory``).

Tasks that tell which pool child ran them and how much memory it has taken at its peak, and one
that makes its child grow past a given size, as a big mail once did.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

from hub.celery import app


def _report(path: str, what: str) -> None:
    """One line: what the task did, the child's pid, its peak memory in KB."""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux
    with Path(path).open("a") as out:
        out.write(f"{what} {os.getpid()} {peak_kb}\n")


@app.task(name="hub.tests.worker_memory.report")
def report(path: str) -> None:
    _report(path, "report")


@app.task(name="hub.tests.worker_memory.grow")
def grow(path: str, past_kb: int) -> None:
    """Take memory until this child's peak is past ``past_kb``, and let it go again."""
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    held = b"\x01" * (max(past_kb - peak_kb, 0) + 20_000) * 1024  # written, so it is resident
    _report(path, "grew")
    del held
