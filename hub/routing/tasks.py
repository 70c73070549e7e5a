"""Celery tasks of routing: what matched rules do outside the pipeline, timers, and presence.

The periodic ones are registered with ``hub.schedule`` when this module is imported, which
every process does while the hub app starts (``hub.schedule.import_task_modules`` imports
``hub.tasks``, which imports the pipeline and routing).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from hub import schedule


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_effects(ticket_id: int, effects: list[dict[str, Any]]) -> None:
    """Auto-replies, notes and notices of rules that matched ``ticket_id`` (queued after commit)."""
    from hub.actions.routing import do_run_rule_effects

    do_run_rule_effects(ticket_id=ticket_id, effects=effects)


@shared_task(ignore_result=True)
def refresh_external(customer_ids: list[int]) -> int:
    """Ask the external lookup about customers who just wrote (after the pipeline's commit)."""
    from hub.routing.lookup import refresh

    return sum(1 for pk in customer_ids if refresh(pk).data is not None)


@shared_task(ignore_result=True)
def set_quiet_agents_away() -> int:
    """Online agents whose workspace went quiet (closed, offline) are set away; their live chats handed back."""
    from hub.actions.presence import do_set_quiet_agents_away

    return do_set_quiet_agents_away()


@shared_task(ignore_result=True)
def run_timers() -> int:
    """Timer rules (no agent reply for N business minutes, waiting on the customer for N days)."""
    from hub.routing.timers import run_due

    return run_due()


def register_periodic() -> None:
    """Called by the hub's ``ready()``: every process knows these, as it knows the sweeps."""
    schedule.periodic("presence-away", "hub.routing.tasks.set_quiet_agents_away", every_seconds=60)
    schedule.periodic("routing-timers", "hub.routing.tasks.run_timers", every_seconds=60)
