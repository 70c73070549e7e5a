"""Serve the whole hub from one process on embedded defaults (``make run``).

The ASGI app (HTTP and websockets) runs under uvicorn. With Celery tasks executed in-process
(no Redis), nothing else would run the periodic tasks the apps registered (``hub.schedule``,
the same list beat runs), so a small scheduler thread calls them here. With Redis configured,
run a real worker and beat instead (``make run-services``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import uvicorn
from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from hub import schedule

log = logging.getLogger(__name__)


def _run_schedule(stop: threading.Event) -> None:
    """Run the periodic tasks every app registered (``hub.schedule``), as beat would."""
    entries = schedule.entries()
    log.info("periodic tasks: %s", ", ".join(f"{e.name} every {e.every:g} s" for e in entries) or "none")
    next_run = {entry.name: time.monotonic() + entry.every for entry in entries}
    while not stop.wait(1.0):
        now = time.monotonic()
        for entry in entries:
            if now < next_run[entry.name]:
                continue
            next_run[entry.name] = now + entry.every
            try:
                current_app.tasks[entry.task].apply()
            except Exception:
                log.exception("periodic task %s failed", entry.name)
            finally:
                close_old_connections()


class Command(BaseCommand):
    help = "Serve the hub (HTTP, websockets and periodic tasks) from one process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, host: str, port: int, **options: Any) -> None:
        stop = threading.Event()
        if settings.CELERY_TASK_ALWAYS_EAGER:
            threading.Thread(target=_run_schedule, args=(stop,), name="hub-scheduler", daemon=True).start()
        self.stdout.write(self.style.SUCCESS(f"Service hub at http://{host}:{port}/  (Ctrl-C stops it)"))
        try:
            uvicorn.run("hub.asgi:application", host=host, port=port, log_level="info", lifespan="off")
        finally:
            stop.set()
