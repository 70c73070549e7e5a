from __future__ import annotations

import logging
import random
import traceback
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hub import events, realtime
from hub.channels import Interaction, get_adapter
from hub.models import InboundEvent, InboundState, Message
from hub.pipeline.identify import identify_customer
from hub.pipeline.store import open_ticket, store_inbound
from hub.pipeline.threading import thread
from hub.routing import route

log = logging.getLogger(__name__)
CLAIMABLE = (InboundState.RECEIVED, InboundState.FAILED)


@dataclass(frozen=True)
class ProcessResult:
    outcome: str  # created, appended, duplicate, auto_reply, bounce, failed, quarantined, skipped
    ticket_id: int | None = None
    message_id: int | None = None
    retry_in: float | None = None  # seconds until the next attempt, for a failed event
    error: str = ""


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter: 10 s, 20 s, 40 s … at most 15 min."""
    return random.uniform(0.5, 1.0) * min(900.0, 10.0 * 2 ** (attempt - 1))


def process(event_id: int) -> ProcessResult:
    """Turn one InboundEvent into a message on a ticket. Safe to run any number of times.

    The event row is claimed with SELECT … FOR UPDATE SKIP LOCKED inside the transaction that
    does the work: a second worker on the same event skips it, and a worker that dies midway
    leaves nothing behind but the still-claimable event.
    """
    for attempt in (1, 2):
        try:
            # The first attempt trusts the unique (channel, external_id) of messages instead of
            # asking first: a query saved on every message, and a duplicate (rare: the event
            # itself is unique) costs one rolled-back attempt.
            result = _process_once(event_id, look_for_duplicate=attempt > 1)
        except IntegrityError as exc:
            # A concurrent worker stored the same provider message (or identity) first, or it
            # was stored before; our transaction is rolled back whole, and one more look finds
            # the earlier message, as a duplicate.
            if attempt == 2:
                return _record_failure(event_id, exc)
            log.info("inbound event %s lost a race (%s); looking again", event_id, exc.__class__.__name__)
            continue
        except Exception as exc:  # noqa: BLE001 - any failure must be recorded, never lose the event
            return _record_failure(event_id, exc)
        break
    if result.outcome == "skipped":
        log.info("inbound event %s skipped: already processed, or claimed by another worker", event_id)
        return result
    log.info(
        "inbound event %s processed: %s, ticket #%s, message %s",
        event_id,
        result.outcome,
        result.ticket_id,
        result.message_id,
    )
    return result


def _process_once(event_id: int, *, look_for_duplicate: bool = True) -> ProcessResult:
    with transaction.atomic():
        event = (
            InboundEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id, state__in=CLAIMABLE).first()
        )
        if event is None:
            return ProcessResult("skipped")
        interaction = get_adapter(event.channel).normalize(event)
        result = _handle(event, interaction, look_for_duplicate=look_for_duplicate)
        InboundEvent.objects.filter(pk=event.pk).update(
            state=InboundState.PROCESSED,
            outcome=result.outcome,
            ticket_id=result.ticket_id,
            processed_at=timezone.now(),
            attempts=F("attempts") + 1,
            error="",
            next_attempt_at=None,
        )
    return result


def _handle(event: InboundEvent, interaction: Interaction, *, look_for_duplicate: bool = True) -> ProcessResult:
    if interaction.external_id and look_for_duplicate:
        earlier = Message.objects.filter(channel=interaction.channel, external_id=interaction.external_id[:998]).first()
        if earlier is not None:
            return ProcessResult("duplicate", earlier.ticket_id, earlier.pk)
    # One customer's interactions are threaded one at a time, so two mails of one conversation
    # arriving together cannot open two tickets: the customer row is locked in the query that
    # finds it (a customer merged meanwhile is followed to the target, which is locked).
    customer, new_customer = identify_customer(interaction, lock=True)
    decision = thread(interaction, customer)
    created = decision.ticket is None
    # The ticket's events (created, threaded, routed …) go in with one INSERT.
    with events.batched():
        ticket = decision.ticket or open_ticket(interaction, customer, decision.reason, decision.linked_ticket_id)
        message = store_inbound(ticket, interaction, customer, event, decision.reason, new_customer=new_customer)
        if created:
            route(ticket, interaction)
    realtime.ticket_changed(ticket, "ticket.created" if created else "message.added", message_id=message.pk)
    outcome = interaction.automatic or ("created" if created else "appended")
    return ProcessResult(outcome, ticket.pk, message.pk)


def _record_failure(event_id: int, exc: Exception) -> ProcessResult:
    error = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    detail = traceback.format_exc(limit=8)
    with transaction.atomic():
        event = InboundEvent.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            log.error("inbound event %s does not exist: %s", event_id, error)
            return ProcessResult("skipped", error=error)
        event.attempts += 1
        event.error = f"{error}\n\n{detail}"[:20000]
        if event.attempts >= settings.INBOUND_MAX_ATTEMPTS:
            event.state = InboundState.QUARANTINED
            event.next_attempt_at = None
            event.save(update_fields=["attempts", "error", "state", "next_attempt_at"])
            log.error("inbound event %s quarantined after %s attempts: %s", event_id, event.attempts, error)
            return ProcessResult("quarantined", error=error)
        delay = backoff(event.attempts)
        event.state = InboundState.FAILED
        event.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        event.save(update_fields=["attempts", "error", "state", "next_attempt_at"])
    log.warning("inbound event %s failed (attempt %s), retry in %.0f s: %s", event_id, event.attempts, delay, error)
    return ProcessResult("failed", retry_in=delay, error=error)
