"""An agent looked at a ticket: its list row is no longer unread for them."""

from __future__ import annotations

from hub.models import Agent, Ticket, TicketSeen


def do_mark_seen(agent: Agent, ticket: Ticket) -> None:
    """The agent has seen the customer's messages up to the one ``ticket`` (as read for the page)
    names as its latest: a message that came after the row was read stays unread.

    Nothing to write when the customer never wrote or the agent saw it already: a read, not a
    write, for most opens and for every live refresh of an open ticket.
    """
    latest = ticket.last_customer_message_at
    if latest is None:
        return
    if TicketSeen.objects.filter(agent=agent, ticket=ticket, seen_at__gte=latest).exists():
        return
    # One upsert, outside any lock: two tabs at once cannot fail, and the latest look wins.
    TicketSeen.objects.bulk_create(
        [TicketSeen(agent=agent, ticket=ticket, seen_at=latest)],
        update_conflicts=True,
        unique_fields=["agent", "ticket"],
        update_fields=["seen_at"],
    )
