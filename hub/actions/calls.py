"""Calls an agent logs by hand (made or taken on a desk phone, outside the telephony provider)
and calls the hub places for an agent (click-to-call)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hub import realtime
from hub.models import DeliveryStatus, Direction, Message, MessageKind, Ticket
from hub.models.teams import Agent
from hub.pipeline.store import touch_ticket
from hub.text import clean_text

# Longer than a working day is a typo, not a call.
MAX_SECONDS = 12 * 3600


def do_log_call(ticket: Ticket, *, agent: Agent, direction: str, seconds: int, note: str = "") -> Message:
    """A call on the ticket's timeline, as the provider's calls are shown (kind ``call``).

    ``direction``: ``in`` (the customer called) or ``out``; ``seconds``: how long it took. The
    message says it was logged by hand and by whom; no timeline event besides it, as for a call
    the provider reports.
    """
    if direction not in (Direction.INBOUND, Direction.OUTBOUND):
        raise ValueError("direction is in or out")
    if not 0 <= seconds <= MAX_SECONDS:
        raise ValueError(f"a call lasts 0 to {MAX_SECONDS} seconds")
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        metadata = {"outcome": "answered", "duration": seconds, "answered_by_name": agent.name, "logged_by": agent.pk}
        return _add_call(locked, agent, channel="phone", direction=direction, text=clean_text(note), metadata=metadata)


def _add_call(locked: Ticket, agent: Agent, *, channel: str, **fields: Any) -> Message:
    """A call message by ``agent`` on the ticket (locked by the caller), shown live after commit."""
    message = Message.objects.create(
        ticket=locked,
        channel=channel,
        kind=MessageKind.CALL,
        author_agent=agent,
        sender=agent.name,
        delivery_status=DeliveryStatus.SENT,
        **fields,
    )
    touch_ticket(locked, message)
    realtime.ticket_changed(locked, "message.added", message_id=message.pk)
    return message


def do_place_call(
    ticket: Ticket, *, agent: Agent, channel: str, external_id: str, to: str, metadata: dict[str, Any]
) -> Message:
    """A call the hub placed for ``agent`` to the customer's number ``to`` (click-to-call), on the
    ticket's timeline as a message of kind ``call``, direction ``out``; the channel's reports on
    it (``do_record_call_report``) find it by ``external_id`` on ``channel``.

    Idempotent on (``channel``, ``external_id``): the provider's first report and its answer to
    the request may both ask, in either order; the second gets the first's message. Locks the
    ticket (FOR UPDATE) for the new message; agents see it live after commit.
    """
    with transaction.atomic():
        locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
        found = Message.objects.filter(channel=channel, external_id=external_id).first()
        if found is not None:
            return found
        return _add_call(
            locked,
            agent,
            channel=channel,
            direction=Direction.OUTBOUND,
            external_id=external_id,
            metadata={**metadata, "to": to, "direction": "outbound", "placed_by": agent.pk},
        )
