"""The SLA beat's Celery task, registered to run every minute (``register_periodic``)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from hub import schedule


@shared_task(ignore_result=True)
def run_beat() -> int:
    """Raise the SLA warnings and breaches that are due (``hub.sla.beat``)."""
    from hub.sla.beat import run

    return run()


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def apply_contract(organization_id: int) -> int:
    """An organization's contracted policy changed: its customers' open tickets are measured by
    the policy they get now (one ticket per transaction; idempotent). How many changed."""
    from hub.sla.hooks import apply_contract as apply

    return apply(organization_id)


def register_periodic() -> None:
    """Called by the hub's ``ready()``: beat and ``runhub`` run the pass every ``SLA_BEAT_SECONDS``."""
    schedule.periodic("sla-beat", "hub.sla.tasks.run_beat", every_seconds=settings.SLA_BEAT_SECONDS)
