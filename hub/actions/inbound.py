"""Operator actions on inbound events: putting a quarantined or failed event back in the queue."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from hub.models import InboundEvent, InboundState

log = logging.getLogger(__name__)

RETRYABLE = (InboundState.QUARANTINED, InboundState.FAILED)


def do_retry_inbound(event: InboundEvent, *, actor: AbstractBaseUser | None, via: str = "admin") -> bool:
    """Put a quarantined or failed event back to ``received`` and queue its processing on commit.

    Returns False (and changes nothing) for an event in any other state: a processed event is
    never processed again, and an event already waiting needs no second push. The attempts are
    kept, so the error history stays readable; who retried, when and from which state is
    appended to ``event.retries``. Processing gets one more try even if the attempts are already
    at INBOUND_MAX_ATTEMPTS: a failure then quarantines it again at once.
    """
    from hub.tasks import process_inbound

    with transaction.atomic():
        locked = InboundEvent.objects.select_for_update().filter(pk=event.pk, state__in=RETRYABLE).first()
        if locked is None:
            return False
        entry = {
            "at": timezone.now().isoformat(),
            "by": actor.get_username() if actor is not None else "",
            "via": via,
            "from_state": locked.state,
            "attempts": locked.attempts,
        }
        locked.retries = [*locked.retries, entry]
        locked.state = InboundState.RECEIVED
        locked.next_attempt_at = None
        locked.save(update_fields=["retries", "state", "next_attempt_at"])
        log.info(
            "inbound event %s retried by %s via %s (was %s after %s attempts)",
            event.pk,
            entry["by"] or "system",
            via,
            entry["from_state"],
            entry["attempts"],
        )
        process_inbound.delay_on_commit(locked.pk)  # type: ignore[attr-defined]  # celery-types lacks it
    event.refresh_from_db()
    return True
