"""Imported by a real Celery worker in integration tests (``celery -A hub worker -I hub.tests.worker_channel``).

It registers the fake provider channel in the worker process, as a channel app's
``AppConfig.ready()`` would, so the worker can normalize and deliver the test's events.
"""

from __future__ import annotations

from hub import adapters
from hub.tests.fake_channel import FakeChannel

adapters.register(FakeChannel())
