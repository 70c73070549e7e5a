"""Periodic tasks: every app registers its own, and beat and runhub run the same registry."""

from __future__ import annotations

from pathlib import Path

import pytest
from celery import current_app
from celery.schedules import schedule as celery_schedule
from django.conf import settings

from hub import schedule
from hub.celery import app


def test_every_registered_periodic_task_is_known_to_celery_in_this_process_without_a_worker() -> None:
    # No import_default_modules(): a web process or runhub never calls it.
    names = {entry.task for entry in schedule.entries()}

    assert {"hub.tasks.sweep_inbound", "hub.tasks.sweep_deliveries", "channels_email.tasks.poll_mailboxes"} <= names
    assert names <= set(current_app.tasks)


def test_the_email_channel_registers_its_imap_poll_at_its_own_interval() -> None:
    entry = next(e for e in schedule.entries() if e.task == "channels_email.tasks.poll_mailboxes")

    assert entry.every == settings.EMAIL_IMAP_POLL_SECONDS


def test_beat_schedules_what_the_apps_registered(tmp_path: Path) -> None:
    assert settings.CELERY_BEAT_SCHEDULER == "hub.schedule:BeatScheduler"
    scheduler = schedule.BeatScheduler(app=app, schedule_filename=str(tmp_path / "beat"), lazy=False)
    try:
        planned = {name: (e.task, e.schedule) for name, e in scheduler.schedule.items()}
    finally:
        scheduler.close()

    for entry in schedule.entries():
        task, every = planned[entry.name]
        assert isinstance(every, celery_schedule)
        assert (task, every.seconds) == (entry.task, entry.every)


def test_a_periodic_task_registered_again_under_its_name_replaces_the_first() -> None:
    before = schedule.entries()
    try:
        schedule.periodic("test-only", "hub.tasks.sweep_inbound", every_seconds=30)
        schedule.periodic("test-only", "hub.tasks.sweep_inbound", every_seconds=10)

        assert [e.every for e in schedule.entries() if e.name == "test-only"] == [10.0]
    finally:
        schedule._registry.pop("test-only", None)
    assert schedule.entries() == before


def test_an_interval_that_is_not_positive_is_refused() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        schedule.periodic("never", "hub.tasks.sweep_inbound", every_seconds=0)
