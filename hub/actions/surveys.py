"""Customer satisfaction answers, whichever channel asked the question."""

from __future__ import annotations

from hub import events, realtime
from hub.models import Ticket, TicketEvent


def do_record_survey(*, ticket_id: int, rating: int, comment: str, channel: str) -> TicketEvent:
    """Record the customer's answer (``rating`` 1–5, ``comment`` as given) on the ticket's timeline
    and tell the agents who see the ticket; they hear of it after commit.

    Locking: none of its own. The timeline is append-only and the ticket row is only read, so
    an answer never waits for a reply or the pipeline holding the ticket's row lock (the
    event's INSERT key-share locks the row for its foreign key, which they do not block). A
    channel that must take one answer per conversation checks that under its own lock, in the
    same transaction (the chat: under its session's row lock). Raises ``Ticket.DoesNotExist``
    for an unknown ticket.
    """
    ticket = Ticket.objects.only("id", "team", "assignee", "version").get(pk=ticket_id)
    event = events.survey_answered(ticket=ticket, rating=rating, comment=comment, channel=channel)
    realtime.ticket_changed(ticket, "ticket.updated")
    return event
