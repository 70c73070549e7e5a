"""Celery tasks of routing: what matched rules do outside the pipeline, and the timer rules."""

from __future__ import annotations

from typing import Any

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def run_effects(ticket_id: int, effects: list[dict[str, Any]]) -> None:
    """Auto-replies, notes and notices of rules that matched ``ticket_id`` (queued after commit)."""
    from hub.actions.routing import do_run_rule_effects

    do_run_rule_effects(ticket_id=ticket_id, effects=effects)
