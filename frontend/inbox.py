"""The inbox views (mine, unassigned, teams, all): membership, counts and keyset pages.

The server decides which tickets belong to a view; the list, its count and the live refresh
all read the same queryset, so a count always matches its list (UX.md, section 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hub.access import visible_tickets
from hub.models import Agent, Draft, Ticket
from hub.models.tickets import OPEN_STATUSES

PAGE_SIZE = 50
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class View:
    key: str
    label: str | Promise
    empty: str | Promise
    admins_only: bool = False


VIEWS: dict[str, View] = {
    v.key: v
    for v in (
        View("mine", _("Mine"), _("All done. Nothing is waiting for you.")),
        View("unassigned", _("Unassigned"), _("All done. Every ticket has an owner.")),
        View("teams", _("My teams"), _("All done. Your teams have nothing open.")),
        View("all", _("All open"), _("All done. Nothing is open."), admins_only=True),
    )
}


def views_for(agent: Agent) -> list[View]:
    return [v for v in VIEWS.values() if agent.sees_everything or not v.admins_only]


def get_view(agent: Agent, key: str) -> View:
    view = VIEWS.get(key)
    if view is None or (view.admins_only and not agent.sees_everything):
        raise Http404("no such view")
    return view


def _team_ids(agent: Agent) -> list[int]:
    # Cached on the instance: the list, the counts and the scope all need it once per request.
    cached: list[int] | None = getattr(agent, "_team_ids", None)
    if cached is None:
        cached = list(agent.teams.values_list("pk", flat=True))
        agent._team_ids = cached  # type: ignore[attr-defined]
    return cached


def _membership(agent: Agent, key: str) -> Q:
    if key == "mine":
        return Q(assignee_id=agent.pk)
    if key == "unassigned":
        return Q(assignee__isnull=True)
    if key == "teams":
        return Q(team_id__in=_team_ids(agent))
    return Q()


def open_tickets(agent: Agent) -> QuerySet[Ticket]:
    """Open tickets in the agent's scope; the scope is ``hub.access``'s, never our own."""
    return visible_tickets(agent).filter(status__in=OPEN_STATUSES)


def view_tickets(agent: Agent, key: str) -> QuerySet[Ticket]:
    return open_tickets(agent).filter(_membership(agent, key))


def counts(agent: Agent) -> dict[str, int]:
    """Open items per view in one query: conditional counts over the agent's open tickets."""
    aggregates = {v.key: Count("pk", filter=_membership(agent, v.key)) for v in views_for(agent)}
    return open_tickets(agent).aggregate(**aggregates)


def encode_cursor(ticket: Ticket) -> str:
    delta = ticket.last_activity_at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{ticket.pk}"


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    """A cursor the agent's browser sent back; anything malformed means the first page."""
    try:
        micros, pk = (int(part) for part in value.split(".", 1))
        return _EPOCH + timedelta(microseconds=micros), pk
    except (ValueError, OverflowError):
        return None


@dataclass
class Page:
    rows: list[Ticket]
    older: str | None  # cursor for the next (older) page
    drafts: set[int]  # ticket ids on this page with a draft of this agent


def page(agent: Agent, key: str, before: str | None = None, size: int = PAGE_SIZE) -> Page:
    """One page of a view, newest activity first; a deep page costs what the first costs."""
    qs = view_tickets(agent, key)
    cursor = decode_cursor(before) if before else None
    if cursor is not None:
        at, pk = cursor
        qs = qs.filter(Q(last_activity_at__lt=at) | Q(last_activity_at=at, pk__lt=pk))
    rows = list(
        qs.select_related("customer", "assignee__user")
        .prefetch_related("customer__identities")
        .order_by("-last_activity_at", "-pk")[: size + 1]
    )
    older = encode_cursor(rows[size - 1]) if len(rows) > size else None
    rows = rows[:size]
    drafts = (
        set(Draft.objects.filter(agent=agent, ticket_id__in=[t.pk for t in rows]).values_list("ticket_id", flat=True))
        if rows
        else set()
    )
    return Page(rows=rows, older=older, drafts=drafts)


def best_view_for(agent: Agent, ticket: Ticket) -> str:
    """The view a permalink opens a ticket in: the most personal one the ticket belongs to."""
    if ticket.assignee_id == agent.pk:
        return "mine"
    if ticket.assignee_id is None:
        return "unassigned"
    if ticket.team_id is not None and ticket.team_id in _team_ids(agent):
        return "teams"
    return "all" if agent.sees_everything else "mine"
