"""An agent looked at a ticket: its list row is no longer unread for them."""

from __future__ import annotations

from django.utils import timezone

from hub.models import Agent, Ticket, TicketSeen


def do_mark_seen(agent: Agent, ticket: Ticket) -> None:
    """One upsert, outside any lock: the latest look wins, and two tabs at once cannot fail."""
    TicketSeen.objects.bulk_create(
        [TicketSeen(agent=agent, ticket=ticket, seen_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["agent", "ticket"],
        update_fields=["seen_at"],
    )
