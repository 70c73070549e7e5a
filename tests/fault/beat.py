"""Celery beat at the fault suite's pace: the hub's own schedule, every entry every few seconds.

``celery -A hub beat --scheduler tests.fault.beat:PacedScheduler``; ``FAULT_BEAT_SECONDS``
sets the pace. The entries and their tasks are the hub's (``hub.schedule``), only the intervals
are shorter, so a suite that has minutes sees the sweeps that production runs every minute.
"""

from __future__ import annotations

import os

from celery.beat import PersistentScheduler

from hub.schedule import BeatScheduler, beat_schedule


class PacedScheduler(BeatScheduler):
    def setup_schedule(self) -> None:
        pace = float(os.environ.get("FAULT_BEAT_SECONDS", "2"))
        self.app.conf.beat_schedule = {name: {**entry, "schedule": pace} for name, entry in beat_schedule().items()}
        PersistentScheduler.setup_schedule(self)
