"""The only writers of TicketEvent: one keyword-only function per kind of event.

Every event written is offered to the outgoing webhooks (``hub.webhooks.outbox``), in its transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from hub.models import Agent, EventKind, Ticket, TicketEvent
from hub.webhooks import outbox

if TYPE_CHECKING:  # hub.routing records its events through this module
    from hub.routing.reasons import Reason

_batch = threading.local()


@contextmanager
def batched() -> Iterator[None]:
    """Events recorded inside are written with one INSERT when the block ends without error.

    For a caller that records several events in one transaction (the inbound pipeline). The
    events returned inside the block have no primary key until then.
    """
    if getattr(_batch, "pending", None) is not None:
        yield  # already batching: the outer block writes them
        return
    pending: list[TicketEvent] = []
    _batch.pending = pending
    try:
        yield
    finally:
        _batch.pending = None
    if pending:
        TicketEvent.objects.bulk_create(pending)
        outbox.note(pending)


def _record(ticket: Ticket, kind: EventKind, actor: Agent | None = None, **data: Any) -> TicketEvent:
    pending: list[TicketEvent] | None = getattr(_batch, "pending", None)
    if pending is not None:
        event = TicketEvent(ticket=ticket, kind=kind, actor=actor, data=data)
        pending.append(event)
        return event
    event = TicketEvent.objects.create(ticket=ticket, kind=kind, actor=actor, data=data)
    outbox.note([event])
    return event


def ticket_created(*, ticket: Ticket, channel: str, reason: str) -> TicketEvent:
    return _record(ticket, EventKind.CREATED, channel=channel, reason=reason)


def message_threaded(*, ticket: Ticket, message_id: int, reason: str) -> TicketEvent:
    return _record(ticket, EventKind.THREADED, message_id=message_id, reason=reason)


def routed(
    *,
    ticket: Ticket,
    team_id: int | None,
    rule: str = "",
    name: str = "",
    changes: dict[str, Any] | None = None,
    why: Reason | None = None,
) -> TicketEvent:
    """``rule``: why, as the log says it. A rule's hit also keeps its ``name`` and ``changes``
    as data (``hub.routing.words``), other reasons their parts (``why``, ``hub.routing.reasons``),
    which the timeline says in the reader's language."""
    if why is not None:
        return _record(ticket, EventKind.ROUTED, team_id=team_id, rule=why.english(), why=why.data())
    if changes is None:
        return _record(ticket, EventKind.ROUTED, team_id=team_id, rule=rule)
    return _record(ticket, EventKind.ROUTED, team_id=team_id, rule=rule, name=name, changes=changes)


def assigned(*, ticket: Ticket, actor: Agent | None, assignee_id: int | None, previous_id: int | None) -> TicketEvent:
    return _record(ticket, EventKind.ASSIGNED, actor, assignee_id=assignee_id, previous_id=previous_id)


def team_changed(*, ticket: Ticket, actor: Agent | None, team_id: int | None, previous_id: int | None) -> TicketEvent:
    return _record(ticket, EventKind.TEAM_CHANGED, actor, team_id=team_id, previous_id=previous_id)


def status_changed(*, ticket: Ticket, actor: Agent | None, status: str, previous: str) -> TicketEvent:
    return _record(ticket, EventKind.STATUS, actor, status=status, previous=previous)


def priority_changed(*, ticket: Ticket, actor: Agent | None, priority: int, previous: int) -> TicketEvent:
    return _record(ticket, EventKind.PRIORITY, actor, priority=priority, previous=previous)


def tags_changed(*, ticket: Ticket, actor: Agent | None, added: list[str], removed: list[str]) -> TicketEvent:
    return _record(ticket, EventKind.TAGS, actor, added=added, removed=removed)


def replied(*, ticket: Ticket, actor: Agent | None, message_id: int, channel: str) -> TicketEvent:
    return _record(ticket, EventKind.REPLIED, actor, message_id=message_id, channel=channel)


def note_added(*, ticket: Ticket, actor: Agent | None, message_id: int) -> TicketEvent:
    return _record(ticket, EventKind.NOTE, actor, message_id=message_id)


def delivery_failed(*, ticket: Ticket, message_id: int, error: str, final: bool) -> TicketEvent:
    return _record(ticket, EventKind.DELIVERY_FAILED, message_id=message_id, error=error, final=final)


def customer_merged(*, ticket: Ticket, actor: Agent | None, source_id: int, target_id: int) -> TicketEvent:
    return _record(ticket, EventKind.CUSTOMER_MERGED, actor, source_id=source_id, target_id=target_id)


def customer_unmerged(*, ticket: Ticket, actor: Agent | None, source_id: int, target_id: int) -> TicketEvent:
    return _record(ticket, EventKind.CUSTOMER_UNMERGED, actor, source_id=source_id, target_id=target_id)


def ticket_linked(*, ticket: Ticket, linked_ticket_id: int, reason: str) -> TicketEvent:
    return _record(ticket, EventKind.LINKED, linked_ticket_id=linked_ticket_id, reason=reason)


def tickets_linked(*, ticket: Ticket, actor: Agent | None, other_id: int, linked: bool) -> TicketEvent:
    """An agent linked ``ticket`` to ticket ``other_id`` as related (or took the link away)."""
    return _record(ticket, EventKind.LINKED, actor, linked_ticket_id=other_id, unlinked=not linked)


def ticket_merged(*, ticket: Ticket, actor: Agent | None, other_id: int, into: bool, messages: int) -> TicketEvent:
    """``ticket`` was merged into ticket ``other_id`` (``into``), or ``other_id`` into it."""
    return _record(
        ticket, EventKind.LINKED, actor, linked_ticket_id=other_id, merged="into" if into else "from", messages=messages
    )


def message_moved(*, ticket: Ticket, actor: Agent | None, message_id: int, from_ticket_id: int) -> TicketEvent:
    return _record(ticket, EventKind.MESSAGE_MOVED, actor, message_id=message_id, from_ticket_id=from_ticket_id)


def survey_answered(*, ticket: Ticket, rating: int, comment: str, channel: str, nps: bool = False) -> TicketEvent:
    # A satisfaction answer (1–5) carries no scale, as before NPS; a recommendation (0–10) says so.
    extra: dict[str, Any] = {"scale": "nps"} if nps else {}
    return _record(ticket, EventKind.SURVEY_ANSWERED, rating=rating, comment=comment, channel=channel, **extra)


def message_moved_out(*, ticket: Ticket, actor: Agent | None, message_id: int, to_ticket_id: int) -> TicketEvent:
    return _record(ticket, EventKind.MESSAGE_MOVED_OUT, actor, message_id=message_id, to_ticket_id=to_ticket_id)


def callback_due(*, ticket: Ticket, message_id: int, due_at: str, reason: str) -> TicketEvent:
    """A missed call or a voicemail: the customer is to be called back by ``due_at`` (ISO 8601)."""
    return _record(ticket, EventKind.CALLBACK_DUE, message_id=message_id, due_at=due_at, reason=reason)


def sla_policy_set(
    *, ticket: Ticket, actor: Agent | None, policy_id: int | None, name: str, reason: str
) -> TicketEvent:
    """The ticket is measured by another SLA policy (``name`` empty: none), and why."""
    return _record(ticket, EventKind.SLA_POLICY, actor, policy_id=policy_id, name=name, reason=reason)


def sla_warning(*, ticket: Ticket, target: str, due_at: str) -> TicketEvent:
    """A clock of ``target`` passed its warning point; it is due at ``due_at`` (ISO 8601)."""
    return _record(ticket, EventKind.SLA_WARNING, target=target, due_at=due_at)


def sla_breached(*, ticket: Ticket, target: str, due_at: str) -> TicketEvent:
    """A clock of ``target`` passed its due time ``due_at`` (ISO 8601) unmet."""
    return _record(ticket, EventKind.SLA_BREACHED, target=target, due_at=due_at)
