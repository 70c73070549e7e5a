from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from hub import pipeline
from hub.models import InboundEvent, InboundState
from hub.pipeline import drain

log = logging.getLogger(__name__)

# A task that finds the database unreachable (a restart, a failover) is tried again with growing
# pauses, about half an hour in all, instead of being lost: the work it claims is idempotent.
# The connection it failed on is closed after it (``hub.celery``), so the retry reconnects.
idempotent_task = shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=40,
)


@idempotent_task
def process_inbound(event_id: int) -> str:
    result = pipeline.process(event_id)
    if result.retry_in is not None:
        process_inbound.apply_async((event_id,), countdown=result.retry_in)
    return result.outcome


def _eager() -> bool:
    return bool(drain_inbound.app.conf.task_always_eager)


def queue_drain() -> None:
    """Queue a drain of received inbound events unless one is pending (``hub.pipeline.drain``)."""
    drain.kick(drain_inbound.delay, _eager())


@idempotent_task
def drain_inbound() -> int:
    """Process received inbound events in batches until none is left (or queue a successor)."""

    def retry(event_id: int, seconds: float) -> None:
        process_inbound.apply_async((event_id,), countdown=seconds)

    return drain.drain(drain_inbound.delay, retry, _eager())


@shared_task(ignore_result=True)
def sweep_inbound() -> int:
    """Hand back events whose drain or task was lost: still `received` after a while, or failed and due.

    Stuck `received` events go back to the drain, which takes them oldest first in batches, so
    they keep their arrival order (``drain.hand_back``); failed events that are due are retried
    one by one, as their backoff says. Processing is idempotent: handing back an event whose
    drain is merely slow costs a skipped claim, never a second message. Returns how many.
    """
    now = timezone.now()
    stuck_before = now - timedelta(seconds=settings.INBOUND_STUCK_AFTER_SECONDS)
    stuck = len(
        InboundEvent.objects.filter(state=InboundState.RECEIVED, received_at__lt=stuck_before).values_list(
            "pk", flat=True
        )[:1000]
    )
    if stuck:
        log.warning("sweep handed %s inbound events stuck in received back to the drain", stuck)
        drain.hand_back(drain_inbound.delay, _eager())
    due = list(
        InboundEvent.objects.filter(state=InboundState.FAILED, next_attempt_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:1000]
    )
    for event_id in due:
        process_inbound.delay(event_id)
    if due:
        log.warning("sweep re-queued %s failed inbound events that are due", len(due))
    return stuck + len(due)


@idempotent_task
def deliver(message_id: int) -> str:
    from hub.delivery import COUNTDOWN_LIMIT, deliver_message

    result = deliver_message(message_id)
    if result.retry_in is not None and result.retry_in <= COUNTDOWN_LIMIT:
        deliver.apply_async((message_id,), countdown=result.retry_in)
    return result.outcome


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    from hub.delivery import stalled_deliveries

    ids = stalled_deliveries()
    for message_id in ids:
        deliver.delay(message_id)
    if ids:
        log.warning("delivery sweep re-queued %s outbound messages", len(ids))
    return len(ids)


@idempotent_task
def send_webhooks(delivery_ids: list[int]) -> int:
    """First attempts of deliveries written with their events (``hub.webhooks.outbox``); how many got through."""
    from hub.webhooks.send import deliver

    return sum(1 for pk in delivery_ids if deliver(pk) == "delivered")


@shared_task(ignore_result=True)
def sweep_webhooks() -> int:
    """Webhooks failing for ``WEBHOOK_PAUSE_AFTER_DAYS`` paused; retries that are due and claims
    that lapsed, each its own task; old finished deliveries deleted."""
    from hub.actions.webhooks import do_pause_failing_webhooks
    from hub.webhooks.send import due, forget_old

    # First: the deliveries of a webhook paused now wait instead of being queued once more.
    try:
        for webhook_id in do_pause_failing_webhooks():
            log.warning("webhook sweep: webhook %s paused, its deliveries failing for too long", webhook_id)
    except Exception:  # retries and cleaning go on whatever went wrong here
        log.exception("webhook sweep: pausing failing webhooks failed")
    ids = due()
    for delivery_id in ids:
        try:
            send_webhooks.delay([delivery_id])
        except Exception:  # one that fails (eagerly, or the broker gone) must not stop the others
            log.exception("webhook sweep: delivery %s could not be queued", delivery_id)
    forget_old()
    return len(ids)


@shared_task(ignore_result=True)
def forget_old_looks() -> int:
    """Agents' looks at tickets that no longer decide whether a row is unread (``hub.models.seen``)."""
    from hub.actions.seen import do_forget_old_looks

    gone = do_forget_old_looks(timezone.now())
    if gone:
        log.info("forgot %s looks at tickets older than the unread horizon", gone)
    return gone


@shared_task(ignore_result=True)
def send_surveys() -> int:
    """The survey mails that are due (``hub.surveys``); each ticket is asked once."""
    from hub import surveys

    sent = surveys.send_due(timezone.now())
    if sent:
        log.info("queued %s survey mails", sent)
    return sent
