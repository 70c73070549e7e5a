"""The durable receipt of inbound interactions: the only way into the pipeline.

``receive`` is the door for every channel. Two more functions serve a channel that writes the
receipt inside a statement of its own (the chat: its message, sequence number and receipt in
one round trip): ``receipt_sql`` builds the receipt's INSERT for that statement (PostgreSQL),
``store_receipt`` writes the same receipt with the ORM (the embedded SQLite), and
``process_after_commit`` queues its processing, as ``receive`` does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, connection, transaction

from hub import sql
from hub.models import InboundEvent

log = logging.getLogger(__name__)

# The unique index on (channel, external_id) takes at most this much of an external id.
EXTERNAL_ID_LENGTH = 998


def receive(
    channel: str, external_id: str, payload: dict[str, Any] | None = None, raw: bytes | None = None
) -> tuple[InboundEvent, bool]:
    """Write the durable receipt of an inbound interaction and have it processed after the commit.

    Returns the event and whether it is new. The same (channel, external_id) twice returns the
    first event and queues nothing: providers redeliver, and a redelivery must not become a
    second message. Processing is queued as a drain of all received events, not a task per
    event (``hub.pipeline.drain``).
    """
    try:
        if connection.in_atomic_block:
            # Inside the caller's transaction: a savepoint, so a redelivery leaves it usable.
            with transaction.atomic():
                event = _create(channel, external_id, payload, raw)
        else:
            # On its own, the INSERT commits by itself: no BEGIN and COMMIT round trips.
            event = _create(channel, external_id, payload, raw)
    except IntegrityError:
        existing = InboundEvent.objects.get(channel=channel, external_id=external_id[:EXTERNAL_ID_LENGTH])
        log.info("inbound %s:%s is a redelivery of event %s", channel, external_id, existing.pk)
        return existing, False
    # Logged before the commit (when there is a transaction around): with in-process tasks the
    # processing runs at the commit, and the log must read in the order things happened.
    log.info("inbound %s:%s received as event %s", channel, external_id, event.pk)
    process_after_commit()
    return event, True


def _create(channel: str, external_id: str, payload: dict[str, Any] | None, raw: bytes | None) -> InboundEvent:
    return InboundEvent.objects.create(
        channel=channel, external_id=external_id[:EXTERNAL_ID_LENGTH], payload=payload or {}, raw=raw
    )


def receipt_sql(event: InboundEvent, source: str, computed: Mapping[str, sql.SQL]) -> sql.SQL:
    """The receipt of ``event`` as ``INSERT … SELECT … FROM <source> ON CONFLICT DO NOTHING RETURNING id``.

    For a channel that writes the receipt in one statement with rows of its own (a CTE of
    PostgreSQL): the columns named in ``computed`` (by attname, as SQL over ``source``) take
    their values from that statement, the rest are ``event``'s. A computed ``external_id``
    must keep within ``EXTERNAL_ID_LENGTH``. A redelivery (the channel's external id again)
    inserts nothing and returns no row. Processing is the caller's to queue, once the receipt
    was written: ``process_after_commit``.
    """
    insert, params = sql.insert_select(event, source, computed)
    return f"{insert} ON CONFLICT DO NOTHING RETURNING id", params


def store_receipt(event: InboundEvent) -> None:
    """``receipt_sql``'s twin with the ORM: insert ``event`` unless its external id is there already.

    Runs in the caller's transaction (a redelivery raises nothing there: ``ON CONFLICT DO
    NOTHING``); the caller queues processing with ``process_after_commit``.
    """
    event.external_id = event.external_id[:EXTERNAL_ID_LENGTH]
    InboundEvent.objects.bulk_create([event], ignore_conflicts=True)


def process_after_commit() -> None:
    """Have received events processed once the current transaction commits (at once outside one).

    Queues a drain of all received events unless one is pending (``hub.pipeline.drain``), so
    a burst of receipts costs one task.
    """
    from hub.tasks import queue_drain

    transaction.on_commit(queue_drain)
