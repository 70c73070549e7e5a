"""The beat's task that reopens snoozed tickets (``hub.actions.snooze``), every minute."""

from __future__ import annotations

from celery import shared_task

from hub import schedule


@shared_task(ignore_result=True)
def wake_snoozed() -> int:
    from hub.actions.snooze import do_wake_snoozed

    return do_wake_snoozed()


def register_periodic() -> None:
    """Called by the hub's ``ready()``."""
    schedule.periodic("wake-snoozed", "hub.snooze.wake_snoozed", every_seconds=60)
