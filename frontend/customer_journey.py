"""A customer's journey across channels as one timeline: tickets, calls and survey answers.

Newest first, in pages found by key (``before`` = time, kind and id of the last row shown), so
a customer with thousands of messages costs the same three small queries per page as one with
three. Only tickets ``agent`` may see (``hub.access``) and what happened on them are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime

from hub.access import ticket_scope
from hub.models import Agent, Customer, EventKind, Message, MessageKind, Ticket, TicketEvent

PAGE = 25
# The order of kinds at the same instant (higher first): an answer follows its call follows its ticket.
TICKET, CALL, SURVEY = 0, 1, 2


@dataclass(frozen=True)
class Entry:
    kind: str
    at: datetime
    rank: int
    pk: int
    ticket: Ticket
    data: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.at.isoformat()}~{self.rank}~{self.pk}"


@dataclass(frozen=True)
class Journey:
    entries: list[Entry]
    older: str
    hidden: int


def _parse(before: str | None) -> tuple[datetime, int, int] | None:
    try:
        at, rank, pk = (before or "").split("~")
        moment = parse_datetime(at)
        return (moment, int(rank), int(pk)) if moment is not None else None
    except ValueError:
        return None


def _older(field: str, rank: int, cursor: tuple[datetime, int, int] | None) -> Q:
    """Rows of kind ``rank`` that sort after ``cursor`` in (time, kind, id) descending order."""
    if cursor is None:
        return Q()
    at, crank, cpk = cursor
    earlier = Q(**{f"{field}__lt": at})
    if rank < crank:
        return earlier | Q(**{field: at})
    if rank == crank:
        return earlier | Q(**{field: at, "pk__lt": cpk})
    return earlier


def journey(agent: Agent, customer: Customer, before: str | None = None) -> Journey:
    cursor = _parse(before)
    tickets: QuerySet[Ticket] = customer.tickets.filter(ticket_scope(agent))
    entries = [
        Entry("ticket", t.created_at, TICKET, t.pk, t, {})
        for t in tickets.filter(_older("created_at", TICKET, cursor)).order_by("-created_at", "-pk")[: PAGE + 1]
    ]
    calls = Message.objects.filter(ticket__in=tickets, kind=MessageKind.CALL).select_related("ticket")
    entries += [
        Entry("call", m.created_at, CALL, m.pk, m.ticket, {"direction": m.direction, "metadata": m.metadata})
        for m in calls.filter(_older("created_at", CALL, cursor)).order_by("-created_at", "-pk")[: PAGE + 1]
    ]
    answers = TicketEvent.objects.filter(ticket__in=tickets, kind=EventKind.SURVEY_ANSWERED).select_related("ticket")
    entries += [
        Entry("survey", e.created_at, SURVEY, e.pk, e.ticket, e.data)
        for e in answers.filter(_older("created_at", SURVEY, cursor)).order_by("-created_at", "-pk")[: PAGE + 1]
    ]
    entries.sort(key=lambda e: (e.at, e.rank, e.pk), reverse=True)
    page, more = entries[:PAGE], len(entries) > PAGE
    hidden = 0 if agent.sees_everything or cursor else customer.tickets.exclude(ticket_scope(agent)).count()
    return Journey(entries=page, older=page[-1].key if more else "", hidden=hidden)
