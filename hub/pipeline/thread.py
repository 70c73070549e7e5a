from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.utils import timezone

from hub.adapters import Interaction
from hub.models import Customer, Message, Ticket, TicketStatus


@dataclass(frozen=True)
class ThreadDecision:
    ticket: Ticket | None  # None: open a new ticket
    reason: str
    # A ticket the interaction refers to but must not join (closed, or another customer's).
    linked_ticket_id: int | None = None


class Lookups(Protocol):
    """What threading reads. The batch answers from what it loaded and what it holds in memory,
    so a message sees the tickets and messages of the messages before it in the same batch."""

    def latest_message(self, channel: str, external_ids: tuple[str, ...]) -> Message | None: ...

    def ticket(self, pk: int) -> Ticket | None: ...

    def latest_in_session(self, channel: str, session: str) -> Message | None: ...

    def recent_ticket(self, customer: Customer, channel: str, since: datetime) -> Ticket | None: ...

    def takes_part(self, ticket: Ticket, customer: Customer) -> bool: ...


def _join(ticket: Ticket, customer: Customer, reason: str, lookups: Lookups) -> ThreadDecision:
    if not lookups.takes_part(ticket, customer):
        # Thread headers can be forged or forwarded; a stranger's mail never lands silently in
        # someone else's conversation. It opens a new ticket that links the one it points to.
        return ThreadDecision(None, f"{reason}, but the sender does not take part in it", ticket.pk)
    if ticket.status == TicketStatus.CLOSED:
        return ThreadDecision(None, f"{reason}, which is closed: follow-up ticket", ticket.pk)
    return ThreadDecision(ticket, reason)


def thread(interaction: Interaction, customer: Customer, lookups: Lookups) -> ThreadDecision:
    """Decide which ticket an interaction belongs to; the reason is recorded on the ticket."""
    hints = interaction.thread
    channel = interaction.channel
    if hints.message_ids:
        earlier = lookups.latest_message(channel, hints.message_ids)
        if earlier is not None:
            return _join(earlier.ticket, customer, f"replies to message {earlier.external_id}", lookups)
    if hints.ticket_id is not None:
        ticket = lookups.ticket(hints.ticket_id)
        if ticket is not None:
            return _join(ticket, customer, f"names ticket #{ticket.pk}", lookups)
    if hints.session:
        earlier = lookups.latest_in_session(channel, hints.session)
        if earlier is not None:
            return _join(earlier.ticket, customer, f"continues {channel} session {hints.session}", lookups)
    if hints.reopen_within_days is not None:
        since = timezone.now() - timedelta(days=hints.reopen_within_days)
        recent = lookups.recent_ticket(customer, channel, since)
        if recent is not None:
            return ThreadDecision(recent, f"same customer on {channel} within {hints.reopen_within_days} days")
    return ThreadDecision(None, "no earlier conversation matches")
