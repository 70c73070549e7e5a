"""A pipeline worker process for the parallel assignment test: drains received events in small
batches until none is left, as ``drain_inbound`` does, on the database named by DATABASE_URL.

Run as ``python -m hub.tests.routing_worker``; it registers the fake provider channel first.
"""

from __future__ import annotations

import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    django.setup()
    import hub.tests.worker_channel  # noqa: F401 - registers the fake channel
    from hub.pipeline import process_batch

    idle = 0
    while idle < 3:
        report = process_batch(limit=4)
        idle = idle + 1 if report.claimed == 0 else 0


if __name__ == "__main__":
    main()
