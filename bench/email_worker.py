"""The email benchmark's one Celery worker: ``python -m bench.email_worker <celery worker args>``.

It runs the production settings with two differences: its own channel-layer prefix (Redis
pub/sub ignores database numbers, so with the default prefix the benchmark's realtime events
would reach every agent websocket, and every websocket test, on the same Redis server), and
the run's private queue as its default queue, for the tasks it queues itself.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    from django.conf import settings

    layer: dict[str, Any] = settings.CHANNEL_LAYERS["default"]
    if "redis" in layer["BACKEND"]:
        layer.setdefault("CONFIG", {})["prefix"] = os.environ.get("BENCH_CHANNEL_PREFIX", "bench-email")
    from hub.celery import app

    # What the worker queues itself (a drain's successor, a retry) stays on the private queue.
    if os.environ.get("BENCH_EMAIL_QUEUE"):
        app.conf.task_default_queue = os.environ["BENCH_EMAIL_QUEUE"]
    app.worker_main(["worker", *sys.argv[1:]])


if __name__ == "__main__":
    main()
