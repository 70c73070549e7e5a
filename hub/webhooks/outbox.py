"""Which events each webhook hears, and the deliveries written with the events.

``hub.events`` hands every event it writes to ``note``. With no webhook listening that costs a
look at this process's list of active webhooks, read again at most every ``KEEP_SECONDS``: no
query per event, so neither the pipeline nor an agent's change pays for webhooks nobody set up.
A webhook saved in another process is heard within those seconds; saved in this one, at once.
A delivery written for a webhook deleted or paused meanwhile is dropped when it is sent
(``hub.webhooks.send``), and its row has no constraint that could fail the change.

A delivery is written in the event's own transaction: a change that commits is reported, one
rolled back never was. Its first attempt is queued after the commit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from hub.models import EventKind, TicketEvent, Webhook, WebhookDelivery, WebhookTopic

TOPIC_OF: dict[str, str] = {
    EventKind.CREATED: WebhookTopic.TICKET_CREATED,
    EventKind.THREADED: WebhookTopic.MESSAGE_RECEIVED,
    EventKind.REPLIED: WebhookTopic.MESSAGE_SENT,
    EventKind.NOTE: WebhookTopic.NOTE_ADDED,
    EventKind.STATUS: WebhookTopic.STATUS_CHANGED,
    EventKind.ASSIGNED: WebhookTopic.ASSIGNED,
    EventKind.TEAM_CHANGED: WebhookTopic.TEAM_CHANGED,
    EventKind.PRIORITY: WebhookTopic.PRIORITY_CHANGED,
    EventKind.TAGS: WebhookTopic.TAGS_CHANGED,
    EventKind.SURVEY_ANSWERED: WebhookTopic.SURVEY_ANSWERED,
    EventKind.SLA_WARNING: WebhookTopic.SLA_WARNING,
    EventKind.SLA_BREACHED: WebhookTopic.SLA_BREACHED,
}


# A routing rule's changes (``routed`` events with ``changes``), told as the changes they are.
RULE_TOPICS = {
    "status": WebhookTopic.STATUS_CHANGED,
    "priority": WebhookTopic.PRIORITY_CHANGED,
    "team": WebhookTopic.TEAM_CHANGED,
    "tags": WebhookTopic.TAGS_CHANGED,
}


def topics_of(event: TicketEvent) -> list[str]:
    if event.kind == EventKind.ROUTED:
        changes = event.data.get("changes") or {}
        return [topic for field, topic in RULE_TOPICS.items() if field in changes]
    topic = TOPIC_OF.get(event.kind)
    return [topic] if topic is not None else []


@dataclass(frozen=True)
class Listener:
    webhook_id: int
    topics: frozenset[str]
    team_id: int | None


KEEP_SECONDS = 2.0
_lock = threading.Lock()
_loaded: tuple[float, tuple[Listener, ...]] | None = None


def listeners() -> tuple[Listener, ...]:
    """The active webhooks, as read at most ``KEEP_SECONDS`` ago."""
    global _loaded
    loaded = _loaded
    now = time.monotonic()
    if loaded is not None and now - loaded[0] < KEEP_SECONDS:
        return loaded[1]
    found = tuple(
        Listener(pk, frozenset(str(t) for t in topics or ()), team_id)
        for pk, topics, team_id in Webhook.objects.filter(active=True).values_list("pk", "topics", "team_id")
    )
    with _lock:
        _loaded = (now, found)
    return found


def forget(**_kwargs: object) -> None:
    """Read the webhooks again at the next event (a webhook saved or deleted in this process)."""
    global _loaded
    _loaded = None


post_save.connect(forget, sender=Webhook, dispatch_uid="webhooks-forget-save")
post_delete.connect(forget, sender=Webhook, dispatch_uid="webhooks-forget-delete")


def note(events: Sequence[TicketEvent]) -> list[int]:
    """Write a delivery for every webhook that hears one of ``events`` (already saved); their
    first attempts are queued after the commit. Returns the deliveries' ids."""
    if not events:
        return []
    heard = listeners()
    if not heard:
        return []
    now = timezone.now()
    rows: list[WebhookDelivery] = []
    for event in events:
        team_id = event.ticket.team_id
        for topic, listener in ((t, h) for t in topics_of(event) for h in heard):
            if topic in listener.topics and listener.team_id in (None, team_id):
                rows.append(
                    WebhookDelivery(
                        webhook_id=listener.webhook_id,
                        topic=topic,
                        event=event,
                        ticket_id=event.ticket_id,
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
    if not rows:
        return []
    WebhookDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    queue_after_commit(ids)
    return ids


def queue_after_commit(ids: Iterable[int]) -> None:
    from hub.tasks import send_webhooks

    batch = list(ids)
    # Robust: with the broker down the change still stands; the deliveries are rows, and the
    # sweep sends them once it can.
    transaction.on_commit(lambda: send_webhooks.delay(batch), robust=True)
