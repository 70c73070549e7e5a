from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, connection, transaction

from hub.models import InboundEvent

log = logging.getLogger(__name__)


def receive(
    channel: str, external_id: str, payload: dict[str, Any] | None = None, raw: bytes | None = None
) -> tuple[InboundEvent, bool]:
    """Write the durable receipt of an inbound interaction and have it processed after the commit.

    Returns the event and whether it is new. The same (channel, external_id) twice returns the
    first event and queues nothing: providers redeliver, and a redelivery must not become a
    second message. Processing is queued as a drain of all received events, not a task per
    event (``hub.pipeline.drain``).
    """
    from hub.tasks import queue_drain

    try:
        if connection.in_atomic_block:
            # Inside the caller's transaction: a savepoint, so a redelivery leaves it usable.
            with transaction.atomic():
                event = _create(channel, external_id, payload, raw)
        else:
            # On its own, the INSERT commits by itself: no BEGIN and COMMIT round trips.
            event = _create(channel, external_id, payload, raw)
    except IntegrityError:
        existing = InboundEvent.objects.get(channel=channel, external_id=external_id[:998])
        log.info("inbound %s:%s is a redelivery of event %s", channel, external_id, existing.pk)
        return existing, False
    # Logged before the commit (when there is a transaction around): with in-process tasks the
    # processing runs at the commit, and the log must read in the order things happened.
    log.info("inbound %s:%s received as event %s", channel, external_id, event.pk)
    transaction.on_commit(queue_drain)
    return event, True


def _create(channel: str, external_id: str, payload: dict[str, Any] | None, raw: bytes | None) -> InboundEvent:
    return InboundEvent.objects.create(channel=channel, external_id=external_id[:998], payload=payload or {}, raw=raw)
