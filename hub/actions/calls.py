"""Calls an agent logs by hand: made or taken on a desk phone, outside the telephony provider."""

from __future__ import annotations

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
        message = Message.objects.create(
            ticket=locked,
            channel="phone",
            direction=direction,
            kind=MessageKind.CALL,
            author_agent=agent,
            sender=agent.name,
            text=clean_text(note),
            delivery_status=DeliveryStatus.SENT,
            metadata={
                "outcome": "answered",
                "duration": seconds,
                "answered_by_name": agent.name,
                "logged_by": agent.pk,
            },
        )
        touch_ticket(locked, message)
        realtime.ticket_changed(locked, "message.added", message_id=message.pk)
    return message
