"""Customer satisfaction answers, whichever channel asked the question."""

from __future__ import annotations

from django.db import transaction

from hub import events, realtime
from hub.models import Ticket, TicketEvent
from hub.models.account import SurveyScale
from hub.models.tickets import EventKind

# How an answer to the survey mail is marked on the timeline (``data["channel"]``).
EMAILED = "email"


def do_record_survey(*, ticket_id: int, rating: int, comment: str, channel: str, nps: bool = False) -> TicketEvent:
    """Record the customer's answer (``rating`` 1–5, or 0–10 with ``nps``; ``comment`` as given)
    on the ticket's timeline and tell the agents who see the ticket; they hear of it after commit.

    Locking: none of its own. The timeline is append-only and the ticket row is only read, so
    an answer never waits for a reply or the pipeline holding the ticket's row lock (the
    event's INSERT key-share locks the row for its foreign key, which they do not block). A
    channel that must take one answer per conversation checks that under its own lock, in the
    same transaction (the chat: under its session's row lock). Raises ``Ticket.DoesNotExist``
    for an unknown ticket.
    """
    ticket = Ticket.objects.only("id", "team", "assignee", "version").get(pk=ticket_id)
    event = events.survey_answered(ticket=ticket, rating=rating, comment=comment, channel=channel, nps=nps)
    realtime.ticket_changed(ticket, "ticket.updated")
    return event


def emailed_survey_answered(ticket_id: int) -> bool:
    """Whether the ticket's survey mail has its answer (the first one counts)."""
    return TicketEvent.objects.filter(
        ticket_id=ticket_id, kind=EventKind.SURVEY_ANSWERED, data__channel=EMAILED
    ).exists()


class AlreadyAnswered(Exception):
    """The ticket's emailed survey has its answer already: the first one counts."""


@transaction.atomic
def do_answer_emailed_survey(*, ticket_id: int, rating: int, comment: str, nps: bool = False) -> TicketEvent:
    """The customer's answer to the survey mail of ``ticket_id`` (``hub.surveys``): recorded as
    ``do_record_survey`` records one, once per ticket (AlreadyAnswered after that).

    Locking: the ticket's row (``SELECT … FOR UPDATE``) for the check and the insert, so two
    sends of the page (a double click, two tabs) record one answer.
    ValueError for a rating outside 1–5 (0–10 with ``nps``); ``Ticket.DoesNotExist`` for an
    unknown ticket.
    """
    if rating not in (SurveyScale.NPS if nps else SurveyScale.CSAT).ratings:
        raise ValueError(f"rating {rating} is outside the scale")
    Ticket.objects.select_for_update().only("id").get(pk=ticket_id)
    if emailed_survey_answered(ticket_id):
        raise AlreadyAnswered
    return do_record_survey(
        ticket_id=ticket_id, rating=rating, comment=comment.strip()[:2000], channel=EMAILED, nps=nps
    )
