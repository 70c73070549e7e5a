"""An agent looked at a ticket: its list row is no longer unread for them."""

from __future__ import annotations

from datetime import datetime

from hub.models import Agent, Ticket, TicketSeen
from hub.models.seen import unread_since


def do_mark_seen(agent: Agent, ticket: Ticket) -> datetime | None:
    """The agent has seen the customer's messages up to the one ``ticket`` (as read for the page)
    names as its latest: a message that came after the row was read stays unread.

    Returns what the agent had seen before this look (None: never looked), which the page needs
    to open at the first unread item. Nothing to write when the customer never wrote or the
    agent saw it already: a read, not a write, for most opens and for every live refresh of an
    open ticket.
    """
    latest = ticket.last_customer_message_at
    if latest is None:
        return None
    before = TicketSeen.objects.filter(agent=agent, ticket=ticket).values_list("seen_at", flat=True).first()
    if before is not None and before >= latest:
        return before
    # One upsert, outside any lock: two tabs at once cannot fail, and the latest look wins.
    TicketSeen.objects.bulk_create(
        [TicketSeen(agent=agent, ticket=ticket, seen_at=latest)],
        update_conflicts=True,
        unique_fields=["agent", "ticket"],
        update_fields=["seen_at"],
    )
    return before


def do_forget_old_looks(now: datetime, chunk: int = 5000) -> int:
    """Delete looks older than ``UNREAD_FOR``: they decide nothing any more (a message that old
    makes no row unread, and a newer one was never covered by them). In chunks, so the beat's
    pass holds no long lock on a large table; returns how many went."""
    cutoff = unread_since(now)
    gone = 0
    while True:
        ids = list(TicketSeen.objects.filter(seen_at__lt=cutoff).values_list("pk", flat=True)[:chunk])
        if not ids:
            return gone
        # Again with the age: a look renewed since the select stays.
        gone += TicketSeen.objects.filter(pk__in=ids, seen_at__lt=cutoff).delete()[0]
