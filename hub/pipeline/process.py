from __future__ import annotations

import logging
import random
import traceback
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Case, ExpressionWrapper, F, Q, Value, When
from django.utils import timezone

from hub.adapters import Interaction, get_adapter
from hub.models import InboundEvent, InboundState
from hub.pipeline.batch import Batch, Item

log = logging.getLogger(__name__)
CLAIMABLE = (InboundState.RECEIVED, InboundState.FAILED)
# Events one transaction takes at most. More amortizes the claim, the lookups and the commit
# over more mail; fewer keeps the customers' and tickets' locks short and the first mail of a
# batch from waiting for the last one to become visible.
BATCH_SIZE = 50


@dataclass(frozen=True)
class ProcessResult:
    outcome: str  # created, appended, duplicate, auto_reply, bounce, failed, quarantined, skipped
    ticket_id: int | None = None
    message_id: int | None = None
    retry_in: float | None = None  # seconds until the next attempt, for a failed event
    error: str = ""


@dataclass
class BatchReport:
    claimed: int = 0  # events taken, whatever became of them
    retries: list[tuple[int, float]] = field(default_factory=list)  # (event id, seconds) failed, to retry


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter: 10 s, 20 s, 40 s … at most 15 min."""
    return random.uniform(0.5, 1.0) * min(900.0, 10.0 * 2 ** (attempt - 1))


def process(event_id: int) -> ProcessResult:
    """Turn one InboundEvent into a message on a ticket. Safe to run any number of times.

    The event row is claimed with SELECT … FOR UPDATE SKIP LOCKED inside the transaction that
    does the work: a second worker on the same event skips it, and a worker that dies midway
    leaves nothing behind but the still-claimable event.
    """
    read: dict[int, Interaction] = {}  # normalized once: a second attempt reuses it
    for attempt in (1, 2):
        try:
            result = _process_once(event_id, read)
        except IntegrityError as exc:
            # A concurrent worker stored the same provider message (or identity) first; our
            # transaction is rolled back whole, and one more look finds the earlier message (a
            # duplicate) or the identity (its customer).
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
    _log_processed(event_id, result)
    return result


def _log_processed(event_id: int, result: ProcessResult) -> None:
    log.info(
        "inbound event %s processed: %s, ticket #%s, message %s",
        event_id,
        result.outcome,
        result.ticket_id,
        result.message_id,
    )


def _result(item: Item) -> ProcessResult:
    return ProcessResult(item.outcome, item.ticket_id, item.message_id)


def _process_once(event_id: int, read: dict[int, Interaction]) -> ProcessResult:
    with transaction.atomic():
        event = (
            InboundEvent.objects.select_for_update(skip_locked=True).filter(pk=event_id, state__in=CLAIMABLE).first()
        )
        if event is None:
            return ProcessResult("skipped")
        if event_id not in read:
            read[event_id] = get_adapter(event.channel).normalize(event)
        item = Item.of(event, read[event_id])
        Batch([item]).run()
        _mark_processed([item])
    return _result(item)


def process_batch(limit: int = BATCH_SIZE) -> BatchReport:
    """Claim up to ``limit`` received events, oldest first, and process them in one transaction.

    An event whose adapter cannot read it is left out and processed alone after the commit,
    where its failure is recorded (attempts, backoff, quarantine). When anything else fails,
    the whole transaction is rolled back and every event is processed alone: slower, but one
    bad event never blocks or loses the others. Failed events are only retried when due
    (``BatchReport.retries``), never taken by a batch.
    """
    received = InboundEvent.objects.filter(state=InboundState.RECEIVED)
    if not received.exists():
        return BatchReport()  # the common last look of a drain, without BEGIN and COMMIT
    ids: list[int] = []
    items: list[Item] = []
    alone: list[int] = []
    try:
        with transaction.atomic():
            claimed = list(
                received.select_for_update(skip_locked=True)
                .defer("raw")
                .annotate(has_raw=ExpressionWrapper(Q(raw__isnull=False), output_field=models.BooleanField()))
                .order_by("pk")[:limit]
            )
            raws = _raws([event.pk for event in claimed if event.has_raw])
            try:
                for event in claimed:
                    ids.append(event.pk)
                    event.raw = next(raws) if event.has_raw else None
                    try:
                        items.append(Item.of(event, get_adapter(event.channel).normalize(event)))
                    except Exception:  # noqa: BLE001 - recorded when it is processed alone
                        alone.append(event.pk)
                    finally:
                        event.raw = None  # read: the interaction has what the batch needs, the row the mail
            finally:
                raws.close()
            if items:
                Batch(items).run()
                _mark_processed(items)
    except Exception as exc:
        if not ids:
            raise  # not even the claim worked: the database is the problem, not an event
        log.warning(
            "a batch of %s inbound events failed (%s: %s); processing them one by one",
            len(ids),
            exc.__class__.__name__,
            str(exc).split("\n", 1)[0][:300],
        )
        items, alone = [], ids
    for item in items:
        _log_processed(item.event.pk, _result(item))
    report = BatchReport(claimed=len(ids))
    for event_id in alone:
        result = process(event_id)
        if result.retry_in is not None:
            report.retries.append((event_id, result.retry_in))
    return report


def _raws(ids: list[int]) -> Generator[bytes]:
    """The raw bodies of the events ``ids``, in id order, one at a time: one query for the batch.

    A batch claimed its events with their raw bodies, all at once: fifty 20 MB mails had taken a
    worker child past a gigabyte. Each is read now as its event is normalized, and let go after.
    Close it when done: that closes its cursor while the connection is still there.
    """
    if not ids:
        return
    rows = InboundEvent.objects.filter(pk__in=ids).order_by("pk").values_list("raw", flat=True).iterator(chunk_size=1)
    try:
        for raw in rows:
            yield bytes(raw or b"")
    finally:
        rows.close()  # type: ignore[attr-defined]  # QuerySet.iterator() is a generator


def _per_event(items: list[Item], values: list[Any], output: models.Field[Any, Any]) -> Any:
    """One value for all the events' rows, or a CASE on their ids."""
    if len(set(values)) == 1:
        return Value(values[0], output_field=output)
    whens = [When(pk=item.event.pk, then=Value(v, output_field=output)) for item, v in zip(items, values, strict=True)]
    return Case(*whens, output_field=output)


def _mark_processed(items: list[Item]) -> None:
    """Mark the events processed, in the transaction that stored their messages (one UPDATE)."""
    if len(items) > 1 and connection.vendor == "postgresql":
        # The same UPDATE as below; a CASE per column costs Django more to build than the batch
        # costs PostgreSQL to run.
        table = InboundEvent._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS e SET state = %s, outcome = v.outcome, ticket_id = v.ticket_id, "  # noqa: S608
                "processed_at = %s, attempts = e.attempts + 1, error = '', next_attempt_at = NULL "
                "FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[]) AS v(id, outcome, ticket_id) "
                "WHERE e.id = v.id",
                [
                    InboundState.PROCESSED,
                    timezone.now(),
                    [item.event.pk for item in items],
                    [item.outcome for item in items],
                    [item.ticket_id for item in items],
                ],
            )
        return
    InboundEvent.objects.filter(pk__in=[item.event.pk for item in items]).update(
        state=InboundState.PROCESSED,
        outcome=_per_event(items, [item.outcome for item in items], models.CharField()),
        ticket_id=_per_event(items, [item.ticket_id for item in items], models.BigIntegerField()),
        processed_at=timezone.now(),
        attempts=F("attempts") + 1,
        error="",
        next_attempt_at=None,
    )


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
