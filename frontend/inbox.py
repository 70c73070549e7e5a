"""The inbox views (mine, unassigned, teams, all): membership, counts and keyset pages.

The server decides which tickets belong to a view; the list, its count and the live refresh
all read the same queryset, so a count always matches its list (UX.md, section 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hub.access import team_ids, visible_tickets
from hub.models import Agent, DeliveryStatus, Draft, Identity, Message, SlaState, Ticket
from hub.models.tickets import OPEN_STATUSES

PAGE_SIZE = 50
# Counts stop here: "999+" tells an agent as much as the exact backlog, and a capped count
# costs the same at a hundred open tickets as at a hundred thousand.
COUNT_CAP = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The orders a list can have, part of its URL (``?sort=due``). "activity": newest activity
# first. "due": open tickets with a running SLA clock by their earliest due time, then the
# tickets without one, oldest first.
ACTIVITY = "activity"
DUE = "due"
SORTS: dict[str, str | Promise] = {ACTIVITY: _("Newest activity"), DUE: _("Due soonest")}
# Ticket.sla_state values an agent must act on now.
AT_RISK = (SlaState.WARNING, SlaState.BREACHED)


@dataclass(frozen=True)
class View:
    key: str
    label: str | Promise
    empty: str | Promise
    admins_only: bool = False
    sort: str = ACTIVITY


VIEWS: dict[str, View] = {
    v.key: v
    for v in (
        View("mine", _("Mine"), _("All done. Nothing is waiting for you.")),
        View("unassigned", _("Unassigned"), _("All done. Every ticket has an owner.")),
        View("teams", _("My teams"), _("All done. Your teams have nothing open.")),
        View("all", _("All open"), _("All done. Nothing is open."), admins_only=True),
        View("at_risk", _("SLA at risk"), _("All done. No ticket is at risk or overdue."), sort=DUE),
    )
}


def sort_of(view: View, value: str | None) -> str:
    """The list's order: the one asked for if it exists, else the view's own."""
    return value if value in SORTS else view.sort


def views_for(agent: Agent) -> list[View]:
    return [v for v in VIEWS.values() if agent.sees_everything or not v.admins_only]


def get_view(agent: Agent, key: str) -> View:
    view = VIEWS.get(key)
    if view is None or (view.admins_only and not agent.sees_everything):
        raise Http404("no such view")
    return view


def _membership(agent: Agent, key: str) -> Q:
    if key == "mine":
        return Q(assignee_id=agent.pk)
    if key == "unassigned":
        return Q(assignee__isnull=True)
    if key == "teams":
        return Q(team_id__in=team_ids(agent))
    if key == "at_risk":
        return Q(sla_state__in=AT_RISK)
    return Q()


def open_tickets(agent: Agent) -> QuerySet[Ticket]:
    """Open tickets in the agent's scope; the scope is ``hub.access``'s, never our own."""
    return visible_tickets(agent).filter(status__in=OPEN_STATUSES)


def view_tickets(agent: Agent, key: str) -> QuerySet[Ticket]:
    return open_tickets(agent).filter(_membership(agent, key))


# The counts' SQL by everything it depends on: compiling four querysets cost more than running
# them. Bounded, since agents, roles and team sets are few.
_COUNTS_SQL: dict[tuple[Any, ...], tuple[list[str], str, list[Any]]] = {}
_COUNTS_SQL_MAX = 1000


def _counts_sql(agent: Agent) -> tuple[list[str], str, list[Any]]:
    db = Ticket.objects.db
    memo = (db, agent.pk, agent.sees_everything, tuple(sorted(team_ids(agent))), COUNT_CAP)
    found = _COUNTS_SQL.get(memo)
    if found is not None:
        return found
    keys = [v.key for v in views_for(agent)]
    selects: list[str] = []
    params: list[Any] = []
    for key in keys:
        try:
            sql, view_params = view_tickets(agent, key).order_by().values("pk")[:COUNT_CAP].query.sql_with_params()
        except EmptyResultSet:  # e.g. "my teams" of an agent in no team
            selects.append("0")
            continue
        # The SQL is Django-compiled with placeholders; values travel as parameters.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped)")  # noqa: S608
        params.extend(view_params)
    if len(_COUNTS_SQL) >= _COUNTS_SQL_MAX:
        _COUNTS_SQL.clear()
    found = _COUNTS_SQL[memo] = (keys, "SELECT " + ", ".join(selects), params)
    return found


def counts(agent: Agent) -> dict[str, int]:
    """Open items per view, each capped at ``COUNT_CAP``, in one query.

    Each view counts a LIMITed subquery, so PostgreSQL stops reading the index after
    ``COUNT_CAP`` rows however large the open backlog is (an aggregate over all open tickets
    grows with it).
    """
    keys, sql, params = _counts_sql(agent)
    with connections[Ticket.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(keys, (int(n) for n in row), strict=True))


def count_label(n: int) -> str:
    """How a capped count is shown: the number, or "999+" once it reached the cap."""
    return f"{COUNT_CAP - 1}+" if n >= COUNT_CAP else str(n)


def encode_cursor(at: datetime, pk: int) -> str:
    delta = at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{pk}"


def decode_cursor(value: str) -> tuple[datetime, int] | None:
    """A cursor the agent's browser sent back; anything malformed means the first page."""
    try:
        micros, pk = (int(part) for part in value.split(".", 1))
        return _EPOCH + timedelta(microseconds=micros), pk
    except (ValueError, OverflowError):
        return None


class ListTicket(NamedTuple):
    """What a list row shows of a ticket, read as one tuple: building 50 model instances (and
    their customers, agents and users) costs more than the query does."""

    pk: int
    last_activity_at: datetime
    subject: str
    status: str
    priority: int
    origin_channel: str
    last_message_channel: str
    last_message_direction: str
    last_message_kind: str
    last_message_preview: str
    customer_id: int
    customer_name: str
    # The customer's first address, read only when they have no name (see ``_row_columns``).
    customer_address: str | None
    assignee_first_name: str | None
    assignee_last_name: str | None
    assignee_username: str | None
    has_draft: bool
    # A reply on the ticket that the hub gave up delivering (hub.delivery): the row says so.
    failed_delivery: bool
    # Kept on the ticket by the SLA engine: its earliest running due time and worst state.
    sla_due_at: datetime | None
    sla_state: str

    @property
    def customer_label(self) -> str:
        """The customer's name, else their first address, else their number (``str(customer)``)."""
        return self.customer_name or self.customer_address or f"#{self.customer_id}"

    @property
    def assignee_name(self) -> str:
        if self.assignee_username is None:
            return ""
        return Agent.name_of(self.assignee_first_name or "", self.assignee_last_name or "", self.assignee_username)


def _row_columns(agent: Agent) -> tuple[list[str], dict[str, Any]]:
    first_address = Identity.objects.filter(customer_id=OuterRef("customer_id")).order_by("pk").values("value")[:1]
    annotations: dict[str, Any] = {
        # CASE is evaluated lazily: the subquery runs only for the rare customer without a name.
        "customer_address": Case(When(customer__display_name="", then=Subquery(first_address)), default=None),
        "has_draft": Exists(Draft.objects.filter(agent_id=agent.pk, ticket_id=OuterRef("pk"))),
        "failed_delivery": Exists(
            Message.objects.filter(ticket_id=OuterRef("pk"), delivery_status=DeliveryStatus.FAILED)
        ),
    }
    columns = [
        "pk",
        "last_activity_at",
        "subject",
        "status",
        "priority",
        "origin_channel",
        "last_message_channel",
        "last_message_direction",
        "last_message_kind",
        "last_message_preview",
        "customer_id",
        "customer__display_name",
        "customer_address",
        "assignee__user__first_name",
        "assignee__user__last_name",
        "assignee__user__username",
        "has_draft",
        "failed_delivery",
        "sla_due_at",
        "sla_state",
    ]
    return columns, annotations


@dataclass
class Page:
    rows: list[ListTicket]
    older: str | None  # cursor for the next (older) page


def page(agent: Agent, key: str, before: str | None = None, size: int | None = None, sort: str = ACTIVITY) -> Page:
    """One page of a view in the given order; a deep page costs what the first costs."""
    size = size or PAGE_SIZE  # read when called, so a test can make pages small
    if sort == DUE:
        return _due_page(agent, key, before, size)
    return _activity_page(agent, key, before, size)


def _activity_page(agent: Agent, key: str, before: str | None, size: int) -> Page:
    """Newest activity first, in one query."""
    qs = view_tickets(agent, key)
    cursor = decode_cursor(before) if before else None
    if cursor is not None:
        at, pk = cursor
        # The row comparison is one range scan of the (time, id) index, however deep the page;
        # the equivalent "a < T OR (a = T AND id < I)" is not (see hub/api/pagination.py).
        qs = qs.filter(TupleLessThan(Tuple(F("last_activity_at"), F("id")), (at, pk)))
    columns, annotations = _row_columns(agent)
    found = qs.annotate(**annotations).order_by("-last_activity_at", "-pk").values_list(*columns)[: size + 1]
    rows = [ListTicket._make(row) for row in found]
    older = encode_cursor(rows[size - 1].last_activity_at, rows[size - 1].pk) if len(rows) > size else None
    return Page(rows=rows[:size], older=older)


# "Due soonest" pages in two stretches, each one range of the open tickets' (sla_due_at, id)
# index: the tickets with a due time, soonest first (cursor "d<micros>.<id>"), then those
# without, by number (cursor "n<id>"). A page that spans the seam costs a second query.
def _due_page(agent: Agent, key: str, before: str | None, size: int) -> Page:
    qs = view_tickets(agent, key)
    rows: list[ListTicket] = []
    due_cursor = decode_cursor(before[1:]) if before and before.startswith("d") else None
    after_pk = _int_or_none(before[1:]) if before and before.startswith("n") else None
    if after_pk is None:
        due = qs.filter(sla_due_at__isnull=False)
        if due_cursor is not None:
            due = due.filter(TupleGreaterThan(Tuple(F("sla_due_at"), F("id")), due_cursor))
        rows = _rows(agent, due.order_by("sla_due_at", "pk"), size + 1)
        last_due = rows[size - 1].sla_due_at if len(rows) > size else None
        if last_due is not None:
            return Page(rows=rows[:size], older="d" + encode_cursor(last_due, rows[size - 1].pk))
        after_pk = 0
    rows += _rows(agent, qs.filter(sla_due_at__isnull=True, pk__gt=after_pk).order_by("pk"), size + 1 - len(rows))
    if len(rows) <= size:
        return Page(rows=rows, older=None)
    last = rows[size - 1]
    # The seam: the last row shown may still be one with a due time; the next page then starts
    # at the first ticket without one.
    return Page(rows=rows[:size], older=f"n{last.pk if last.sla_due_at is None else 0}")


def _rows(agent: Agent, ordered: QuerySet[Ticket], limit: int) -> list[ListTicket]:
    """The rows of the first ``limit`` tickets of ``ordered``, in one query.

    The ids are chosen in a subquery of their own: only open tickets have a due time, and the
    planner, taking status and due time for independent, expected a handful of matches and
    sorted every later ticket instead of walking the (sla_due_at, id) index; alone, the ids
    are an index-only scan that stops after ``limit`` entries.
    """
    columns, annotations = _row_columns(agent)
    order = ordered.query.order_by
    chosen = Ticket.objects.filter(pk__in=ordered.values("pk")[:limit])
    return [ListTicket._make(row) for row in chosen.annotate(**annotations).order_by(*order).values_list(*columns)]


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def best_view_for(agent: Agent, ticket: Ticket) -> str:
    """The view a permalink opens a ticket in: the most personal one the ticket belongs to."""
    if ticket.assignee_id == agent.pk:
        return "mine"
    if ticket.assignee_id is None:
        return "unassigned"
    if ticket.team_id is not None and ticket.team_id in team_ids(agent):
        return "teams"
    return "all" if agent.sees_everything else "mine"
