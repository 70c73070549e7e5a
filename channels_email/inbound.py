"""Every inbound path (IMAP, SMTP, HTTP upload, files) hands raw mail to ``accept``.

``accept`` writes the durable receipt (InboundEvent with the raw bytes) and queues processing
on commit. The event's external id is the Message-ID, or ``sha256:<fingerprint>`` without
one, so the same mail by two paths is one event. A different mail that reuses a Message-ID
(some mailers do) is recognized by its fingerprint and kept as its own event.
"""

from __future__ import annotations

from channels_email.adapter import KEY
from channels_email.models import Mailbox
from channels_email.parse import envelope
from hub.models import InboundEvent
from hub.pipeline import Settled, receive, settle

CHANNEL = KEY


def accept(raw: bytes, *, mailbox: Mailbox, source: str) -> tuple[InboundEvent, bool]:
    env = envelope(raw)
    payload = {"mailbox": mailbox.address, "source": source, "fingerprint": env.fingerprint}
    event, created = receive(CHANNEL, env.external_id, payload, raw=raw)
    if not created and env.message_id and event.payload.get("fingerprint") not in (None, env.fingerprint):
        event, created = receive(CHANNEL, f"{env.message_id}#{env.fingerprint[:16]}", payload, raw=raw)
    return event, created


# The synchronous answer of ``ingest_now``: the hub's settled outcome of the event.
Outcome = Settled


def ingest_now(raw: bytes, *, mailbox: Mailbox, source: str, wait_seconds: float = 30.0) -> Settled:
    """Accept and process one mail in this process, whatever the Celery configuration."""
    event, created = accept(raw, mailbox=mailbox, source=source)
    return settle(event, created=created, wait_seconds=wait_seconds)
