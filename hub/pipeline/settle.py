"""Waiting for one inbound event's outcome, for callers that must answer with it.

The contract of ``ingest_email`` (and of tests that feed one message and look at the result)
is a synchronous answer: created, appended, duplicate, quarantined, with the reason. Normal
inbound paths never wait: they ``receive`` and answer at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from hub.models import EventKind, InboundEvent, InboundState, TicketEvent
from hub.pipeline.process import process


@dataclass(frozen=True)
class Settled:
    status: str  # created, appended, duplicate, auto_reply, bounce, quarantined
    ticket: int | None
    reason: str
    event_id: int


def _reason(event: InboundEvent) -> str:
    if event.state == InboundState.QUARANTINED:
        return (event.error or "").split("\n", 1)[0][:300]
    message = getattr(event, "message", None)
    if message is None:
        return ""
    meta = message.metadata or {}
    if meta.get("automatic_reason"):
        return str(meta["automatic_reason"])
    threaded = TicketEvent.objects.filter(
        ticket_id=message.ticket_id, kind=EventKind.THREADED, data__message_id=message.pk
    )
    first = threaded.values_list("data", flat=True).first()
    return str(first.get("reason", "")) if isinstance(first, dict) else ""


def settle(event: InboundEvent, *, created: bool, wait_seconds: float = 30.0) -> Settled:
    """Process ``event`` in this process (a worker holding it is waited for) and say how it ended.

    With eager tasks the receipt already processed it; with a broker, this process does the
    work itself (a worker that picks up the queued drain finds it done and skips it).
    """
    if not created:
        event.refresh_from_db(fields=["ticket_id"])  # the first delivery may have been processed since
        return Settled("duplicate", event.ticket_id, f"already received as event {event.pk}", event.pk)
    deadline = time.monotonic() + wait_seconds
    for _ in range(settings.INBOUND_MAX_ATTEMPTS * 50):
        event.refresh_from_db()
        if event.state in (InboundState.PROCESSED, InboundState.QUARANTINED):
            break
        if process(event.pk).outcome == "skipped":
            # A worker holds the event right now; let it finish.
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
    event.refresh_from_db()
    if event.state == InboundState.QUARANTINED:
        return Settled("quarantined", None, _reason(event), event.pk)
    if event.state != InboundState.PROCESSED:
        return Settled("quarantined", None, f"not processed yet (state {event.state})", event.pk)
    return Settled(event.outcome or "created", event.ticket_id, _reason(event), event.pk)
