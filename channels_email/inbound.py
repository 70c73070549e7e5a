"""Every inbound path (IMAP, SMTP, HTTP upload, files) hands raw mail to ``accept``.

``accept`` writes the durable receipt (InboundEvent with the raw bytes) and queues processing
on commit. The event's external id is the Message-ID, or ``sha256:<fingerprint>`` without
one, so the same mail by two paths is one event. A different mail that reuses a Message-ID
(some mailers do) is recognized by its fingerprint and kept as its own event.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings

from channels_email.models import Mailbox
from channels_email.parse import envelope
from hub.models import InboundEvent, InboundState, TicketEvent
from hub.pipeline import process, receive

CHANNEL = "email"


def accept(raw: bytes, *, mailbox: Mailbox, source: str) -> tuple[InboundEvent, bool]:
    env = envelope(raw)
    payload = {"mailbox": mailbox.address, "source": source, "fingerprint": env.fingerprint}
    event, created = receive(CHANNEL, env.external_id, payload, raw=raw)
    if not created and env.message_id and event.payload.get("fingerprint") not in (None, env.fingerprint):
        event, created = receive(CHANNEL, f"{env.message_id}#{env.fingerprint[:16]}", payload, raw=raw)
    return event, created


@dataclass(frozen=True)
class Outcome:
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
    threaded = TicketEvent.objects.filter(ticket_id=message.ticket_id, kind="threaded", data__message_id=message.pk)
    first = threaded.values_list("data", flat=True).first()
    return str(first.get("reason", "")) if isinstance(first, dict) else ""


def ingest_now(raw: bytes, *, mailbox: Mailbox, source: str, wait_seconds: float = 30.0) -> Outcome:
    """Accept and process one mail in this process, whatever the Celery configuration.

    With eager tasks the receipt already processed it; with a broker, this process does the
    work itself (a worker that picks up the queued task finds it done and skips it).
    """
    event, created = accept(raw, mailbox=mailbox, source=source)
    if not created:
        return Outcome("duplicate", event.ticket_id, f"already received as event {event.pk}", event.pk)
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
        return Outcome("quarantined", None, _reason(event), event.pk)
    if event.state != InboundState.PROCESSED:
        return Outcome("quarantined", None, f"not processed yet (state {event.state})", event.pk)
    return Outcome(event.outcome or "created", event.ticket_id, _reason(event), event.pk)
