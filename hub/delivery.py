"""Outbound delivery of agent messages through the channel's adapter, at least once.

A send that fails for a reason a retry can fix (the provider down, a timeout) is tried again
with a growing pause, for hours (``DELIVERY_RETRY_*``, ``DELIVERY_MAX_ATTEMPTS``): the message
shows when the next attempt is due, and the timeline stays quiet. Only the final failure is a
timeline line (``delivery_failed``, ``final``), and the message stays ``failed`` until an agent
sends it again (``hub.actions.do_resend``).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hub import events, realtime
from hub.adapters import ChannelAdapter, DeliveryResult, UnknownChannel, get_adapter
from hub.models import DeliveryStatus, Message

log = logging.getLogger(__name__)

# A retry due within this many seconds is queued as a countdown task; one further off is left to
# the delivery sweep (every minute), so no worker holds a task for hours (Redis would hand a task
# held past its visibility timeout to a second worker).
COUNTDOWN_LIMIT = 300.0
# A countdown task may fire a little before its retry's time: still its turn.
EARLY_SECONDS = 2.0


def retry_delay(attempt: int) -> float:
    """Seconds after failed attempt ``attempt`` until the next one.

    ``DELIVERY_RETRY_FIRST_SECONDS``, doubled after each attempt, at most
    ``DELIVERY_RETRY_MAX_SECONDS``; up to a quarter less at random, so that the sends of one
    provider outage do not all come back at the same second.
    """
    first, longest = settings.DELIVERY_RETRY_FIRST_SECONDS, settings.DELIVERY_RETRY_MAX_SECONDS
    return float(min(longest, first * 2 ** min(attempt - 1, 40))) * random.uniform(0.75, 1.0)


@dataclass(frozen=True)
class DeliveryOutcome:
    outcome: str  # sent, failed, retry, skipped
    retry_in: float | None = None


class LocalChannel(Protocol):
    """A channel whose delivery is a write to the hub's own database (the chat log).

    Its replies are delivered inside the transaction that stores them (``do_reply``): no
    task, no ``queued`` → ``sending`` → ``sent`` round, and the reply is delivered or not
    stored at all. A refusal (the chat ended meanwhile) rolls the reply back.
    """

    def send_in_transaction(self, message: Message) -> DeliveryResult: ...


def local_channel(adapter: ChannelAdapter) -> LocalChannel | None:
    return adapter if adapter.capabilities.local_delivery else None


def deliver_message(message_id: int) -> DeliveryOutcome:
    """Send one queued message whose time has come; safe to call any number of times.

    The claim moves it from ``queued`` to ``sending`` (one worker wins); a message whose retry is
    not due yet is skipped, so a second task or the sweep never shortens the pause.
    """
    now = timezone.now()
    due = Q(delivery_next_at__isnull=True) | Q(delivery_next_at__lte=now + timedelta(seconds=EARLY_SECONDS))
    claimed = Message.objects.filter(due, pk=message_id, delivery_status=DeliveryStatus.QUEUED).update(
        delivery_status=DeliveryStatus.SENDING,
        delivery_attempts=F("delivery_attempts") + 1,
        delivery_claimed_at=now,
        delivery_next_at=None,
    )
    if not claimed:
        return DeliveryOutcome("skipped")
    message = Message.objects.select_related("ticket").get(pk=message_id)
    try:
        result = get_adapter(message.channel).send(message)
    except UnknownChannel as exc:
        return _finish(message, DeliveryStatus.FAILED, str(exc), final=True)
    except Exception as exc:
        log.exception("delivery of message %s raised", message_id)
        result_error, retryable = f"{type(exc).__name__}: {exc}", True
    else:
        if result.ok:
            with transaction.atomic():
                Message.objects.filter(pk=message_id).update(
                    delivery_status=DeliveryStatus.SENT,
                    delivery_error="",
                    external_id=result.external_id[:998] or message.external_id,
                )
                realtime.ticket_changed(message.ticket, "message.updated", message_id=message_id)
            log.info("message %s sent on %s as %s", message_id, message.channel, result.external_id)
            return DeliveryOutcome("sent")
        result_error, retryable = result.error, result.retryable
    final = not retryable or message.delivery_attempts >= settings.DELIVERY_MAX_ATTEMPTS
    if final:
        return _finish(message, DeliveryStatus.FAILED, result_error, final=True)
    delay = retry_delay(message.delivery_attempts)
    _finish(
        message, DeliveryStatus.QUEUED, result_error, final=False, next_at=timezone.now() + timedelta(seconds=delay)
    )
    log.warning(
        "message %s not sent (attempt %s of %s), retry in %.0f s: %s",
        message_id,
        message.delivery_attempts,
        settings.DELIVERY_MAX_ATTEMPTS,
        delay,
        result_error,
    )
    return DeliveryOutcome("retry", retry_in=delay)


def _finish(
    message: Message, status: str, error: str, *, final: bool, next_at: datetime | None = None
) -> DeliveryOutcome:
    """Record a failed attempt on the message; only the final one goes on the timeline."""
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            delivery_status=status, delivery_error=error[:2000], delivery_next_at=next_at
        )
        if final:
            events.delivery_failed(ticket=message.ticket, message_id=message.pk, error=error[:500], final=True)
            realtime.ticket_changed(message.ticket, "ticket.updated")  # the header and the row say so
        realtime.ticket_changed(message.ticket, "message.updated", message_id=message.pk)
    if final:
        log.error(
            "message %s failed for good on %s after %s attempts: %s",
            message.pk,
            message.channel,
            message.delivery_attempts,
            error,
        )
    return DeliveryOutcome("failed")


def stalled_deliveries(now: datetime | None = None) -> list[int]:
    """Sends whose task or worker was lost, put back in the queue; their ids, for re-queueing.

    A message stuck in ``sending`` longer than the task time limit lost its worker mid-send; it
    goes back to ``queued`` (at least once: the provider may have taken it, which is the price
    of never dropping a reply). A queued message whose retry is due is sent now: its countdown
    task was lost, or its retry was too far off for one (``COUNTDOWN_LIMIT``).
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.DELIVERY_STALLED_AFTER_SECONDS)
    with transaction.atomic():
        stalled = Message.objects.filter(delivery_status=DeliveryStatus.SENDING, delivery_claimed_at__lt=stale)
        stalled_ids = list(stalled.values_list("pk", flat=True)[:1000])
        Message.objects.filter(pk__in=stalled_ids).update(delivery_status=DeliveryStatus.QUEUED, delivery_next_at=None)
        due = Message.objects.filter(delivery_status=DeliveryStatus.QUEUED).filter(
            Q(delivery_next_at__lte=now) | Q(delivery_next_at__isnull=True, created_at__lt=stale)
        )
        return list(dict.fromkeys(stalled_ids + list(due.values_list("pk", flat=True)[:1000])))
