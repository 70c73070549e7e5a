from __future__ import annotations

import logging
from typing import Any

from django.db import IntegrityError, transaction

from hub.models import InboundEvent

log = logging.getLogger(__name__)


def receive(
    channel: str, external_id: str, payload: dict[str, Any] | None = None, raw: bytes | None = None
) -> tuple[InboundEvent, bool]:
    """Write the durable receipt of an inbound interaction and queue its processing on commit.

    Returns the event and whether it is new. The same (channel, external_id) twice returns the
    first event and queues nothing: providers redeliver, and a redelivery must not become a
    second message.
    """
    from hub.tasks import process_inbound

    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                channel=channel, external_id=external_id[:998], payload=payload or {}, raw=raw
            )
            # Logged before the commit: with in-process tasks the processing runs at the commit,
            # and the log must read in the order things happened.
            log.info("inbound %s:%s received as event %s", channel, external_id, event.pk)
            process_inbound.delay_on_commit(event.pk)  # type: ignore[attr-defined]  # celery-types lacks it
    except IntegrityError:
        existing = InboundEvent.objects.get(channel=channel, external_id=external_id[:998])
        log.info("inbound %s:%s is a redelivery of event %s", channel, external_id, existing.pk)
        return existing, False
    return event, True
