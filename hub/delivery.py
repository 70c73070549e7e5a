"""Outbound delivery of agent messages through the channel's adapter, at least once."""

from __future__ import annotations

import logging
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
from hub.pipeline.process import backoff

log = logging.getLogger(__name__)


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
    # Claim: only one worker moves a queued message to sending.
    claimed = Message.objects.filter(pk=message_id, delivery_status=DeliveryStatus.QUEUED).update(
        delivery_status=DeliveryStatus.SENDING,
        delivery_attempts=F("delivery_attempts") + 1,
        delivery_claimed_at=timezone.now(),
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
    delay = backoff(message.delivery_attempts)
    _finish(
        message, DeliveryStatus.QUEUED, result_error, final=False, next_at=timezone.now() + timedelta(seconds=delay)
    )
    log.warning(
        "message %s not sent (attempt %s), retry in %.0f s: %s",
        message_id,
        message.delivery_attempts,
        delay,
        result_error,
    )
    return DeliveryOutcome("retry", retry_in=delay)


def _finish(
    message: Message, status: str, error: str, *, final: bool, next_at: datetime | None = None
) -> DeliveryOutcome:
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(
            delivery_status=status, delivery_error=error[:2000], delivery_next_at=next_at
        )
        events.delivery_failed(ticket=message.ticket, message_id=message.pk, error=error[:500], final=final)
        realtime.ticket_changed(message.ticket, "message.updated", message_id=message.pk)
    if final:
        log.error("message %s failed for good on %s: %s", message.pk, message.channel, error)
    return DeliveryOutcome("failed")


def stalled_deliveries(now: datetime | None = None) -> list[int]:
    """Sends whose task or worker was lost, put back in the queue; their ids, for re-queueing.

    A message stuck in ``sending`` longer than the task time limit lost its worker mid-send; it
    goes back to ``queued`` (at least once: the provider may have taken it, which is the price
    of never dropping a reply). A queued message whose retry is long overdue lost its task.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.DELIVERY_STALLED_AFTER_SECONDS)
    with transaction.atomic():
        stalled = Message.objects.filter(delivery_status=DeliveryStatus.SENDING, delivery_claimed_at__lt=stale)
        stalled_ids = list(stalled.values_list("pk", flat=True)[:1000])
        Message.objects.filter(pk__in=stalled_ids).update(delivery_status=DeliveryStatus.QUEUED, delivery_next_at=None)
        due = Message.objects.filter(delivery_status=DeliveryStatus.QUEUED).filter(
            Q(delivery_next_at__lte=now - timedelta(seconds=60))
            | Q(delivery_next_at__isnull=True, created_at__lt=stale)
        )
        return list(dict.fromkeys(stalled_ids + list(due.values_list("pk", flat=True)[:1000])))
