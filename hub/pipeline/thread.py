from __future__ import annotations

from dataclasses import dataclass, replace
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
    # The message it replies to when that is not here (yet): kept as the new message's thread
    # key, so that message joins this conversation if it comes after its reply (``awaiting``).
    awaits: str = ""


class Lookups(Protocol):
    """What threading reads. The batch answers from what it loaded and what it holds in memory,
    so a message sees the tickets and messages of the messages before it in the same batch."""

    def latest_message(self, channel: str, external_ids: tuple[str, ...]) -> Message | None: ...

    def ticket(self, pk: int) -> Ticket | None: ...

    def latest_in_session(self, channel: str, session: str) -> Message | None: ...

    def recent_ticket(self, customer: Customer, channel: str, since: datetime) -> Ticket | None: ...

    def takes_part(self, ticket: Ticket, customer: Customer) -> bool: ...

    def awaiting(self, channel: str, message_ids: tuple[str, ...]) -> Message | None:
        """The latest message that came before the one it replies to, one of ``message_ids``."""
        ...


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
    decision = _decide(interaction, customer, lookups)
    hints = interaction.thread
    unanswered = hints.message_ids and not hints.session
    if unanswered and lookups.latest_message(interaction.channel, hints.message_ids) is None:
        return replace(decision, awaits=hints.message_ids[0][:200])
    return decision


def _decide(interaction: Interaction, customer: Customer, lookups: Lookups) -> ThreadDecision:
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
    else:
        # Mail can overtake mail (and a retried one comes late): a reply stored before the
        # message it answers waits for it, and the message, or another reply to it, joins it.
        own = (interaction.external_id[:200],) if interaction.external_id else ()
        first = lookups.awaiting(channel, own + hints.message_ids)
        if first is not None:
            if first.thread_key in own:
                reason = f"message {first.external_id}, which came first, replies to it"
            else:
                reason = f"replies to {first.thread_key}, as message {first.external_id} does, which came first"
            return _join(first.ticket, customer, reason, lookups)
    if hints.reopen_within_days is not None:
        since = timezone.now() - timedelta(days=hints.reopen_within_days)
        recent = lookups.recent_ticket(customer, channel, since)
        if recent is not None:
            return ThreadDecision(recent, f"same customer on {channel} within {hints.reopen_within_days} days")
    return ThreadDecision(None, "no earlier conversation matches")
