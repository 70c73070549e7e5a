"""The inbox views: membership, filters, orders, counts and keyset pages.

The server decides which tickets belong to a view; the list, its count and the live refresh
all read the same queryset, so a count always matches its list (UX.md, section 1). A view is
one of ``VIEWS`` or an agent's saved view (``hub.models.SavedView``, key ``s<id>``): a built-in
view narrowed by the filter bar's filters (``frontend.inbox_filters``) in a chosen order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from frontend import inbox_filters, ticket_header
from frontend.customer_label import label_of
from frontend.inbox_filters import NO_FILTERS, Filters
from hub.access import team_ids, visible_tickets
from hub.actions.saved_views import saved_views_for
from hub.models import (
    Agent,
    DeliveryStatus,
    Direction,
    Draft,
    Identity,
    Message,
    MessageKind,
    Notification,
    NotificationKind,
    SavedView,
    SlaState,
    Ticket,
    TicketSeen,
    TicketSnooze,
    TicketStatus,
)
from hub.models.seen import answers, unread_since
from hub.models.tickets import OPEN_STATUSES
from hub.text import whole_number

PAGE_SIZE = 50
# Counts stop here: "999+" tells an agent as much as the exact backlog, and a capped count
# costs the same at a hundred open tickets as at a hundred thousand.
COUNT_CAP = 1000
# A filtered list's own count stops sooner: a rare combination (chats of one team still open)
# is found only by reading many tickets, and a thousand of them took 44 ms at 1M; "99+" tells
# an agent as much about a filtered list.
FILTERED_COUNT_CAP = 100
# Saved views' counts are kept this long per agent: their filters may be dearer than a
# built-in view's, and the navigation shows them on every page.
SAVED_COUNTS_SECONDS = 20
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# The orders a list can have, part of its URL (``?sort=due``). "activity": newest activity
# first. "created": newest ticket first. "priority": most urgent first, then newest activity.
# "due": open tickets with a running SLA clock by their earliest due time, then the tickets
# without one, oldest first. Each walks an index (hub.models.tickets), so a page costs the
# same at any depth.
ACTIVITY = "activity"
CREATED = "created"
PRIORITY = "priority"
DUE = "due"
SORTS: dict[str, str | Promise] = {
    ACTIVITY: _("Newest activity"),
    CREATED: _("Newest created"),
    PRIORITY: _("Highest priority"),
    DUE: _("Due soonest"),
}
# Ticket.sla_state values an agent must act on now.
AT_RISK = (SlaState.WARNING, SlaState.BREACHED)


@dataclass(frozen=True)
class View:
    key: str
    label: str | Promise
    empty: str | Promise
    admins_only: bool = False
    sort: str = ACTIVITY
    # The statuses the view lists; a status filter narrows them, or, for the views of open
    # tickets, replaces them ("Mine" filtered to solved: my solved tickets).
    statuses: tuple[str, ...] = OPEN_STATUSES
    # Whether the navigation counts it: the solved and closed history is no work waiting.
    counted: bool = True
    icon: str = "layers"
    # A saved view: the built-in view it narrows, and its filters.
    base: str = ""
    saved: SavedView | None = None
    filters: Filters = NO_FILTERS

    @property
    def membership_key(self) -> str:
        return self.base or self.key


VIEWS: dict[str, View] = {
    v.key: v
    for v in (
        View("mine", _("Mine"), _("All done. Nothing is waiting for you."), icon="user"),
        View("unassigned", _("Unassigned"), _("All done. Every ticket has an owner."), icon="inbox"),
        View("teams", _("My teams"), _("All done. Your teams have nothing open."), icon="users"),
        View("all", _("All open"), _("All done. Nothing is open."), admins_only=True),
        View("at_risk", _("SLA at risk"), _("All done. No ticket is at risk or overdue."), sort=DUE, icon="clock"),
        View(
            "pending",
            _("Waiting on customer"),
            _("No ticket is waiting for a customer's answer."),
            statuses=(TicketStatus.PENDING,),
            icon="pause",
        ),
        View("snoozed", _("Snoozed"), _("No ticket is snoozed."), icon="clock"),
        # Open tickets with a note that mentions the agent (hub.notifications).
        View("mentions", _("Mentions"), _("No open ticket mentions you."), icon="chat"),
        View("solved", _("Solved"), _("No solved ticket."), statuses=(TicketStatus.SOLVED,), counted=False),
        View("closed", _("Closed"), _("No closed ticket."), statuses=(TicketStatus.CLOSED,), counted=False),
    )
}


def sort_of(view: View, value: str | None) -> str:
    """The list's order: the one asked for if it exists, else the view's own."""
    return value if value in SORTS else view.sort


def views_for(agent: Agent) -> list[View]:
    return [v for v in VIEWS.values() if agent.sees_everything or not v.admins_only]


def _saved_view(agent: Agent, saved: SavedView) -> View:
    # A view shared by a lead may narrow "All open": for an agent that is all they may see,
    # since every view starts from hub.access's scope (``view_tickets``).
    base = VIEWS.get(saved.base) or VIEWS["mine"]
    params = QueryDict(saved.query)
    return replace(
        base,
        key=saved.key,
        label=saved.name,
        base=base.key,
        saved=saved,
        sort=sort_of(base, params.get(inbox_filters.SORT)),
        filters=inbox_filters.parse(params),
        admins_only=False,
        counted=True,
        icon="star",
    )


def get_view(agent: Agent, key: str) -> View:
    if key.startswith("s") and (number := whole_number(key[1:])) is not None:
        saved = saved_views_for(agent).filter(pk=number).first()
        if saved is None:
            raise Http404("no such view")
        return _saved_view(agent, saved)
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
    if key == "pending":
        return ~Q(Exists(TicketSnooze.objects.filter(ticket_id=OuterRef("pk"))))
    if key == "snoozed":
        # From the snoozes, few, to their tickets. Stated once, PostgreSQL may expect a few
        # hundred snoozed tickets spread over the list and walk every open ticket to look for
        # them (50 ms at 1M with a snooze table it had no statistics of); stated twice, as two
        # conditions it takes for independent, it expects a handful and reads them from the
        # snoozes.
        snoozed = TicketSnooze.objects.filter(ticket_id=OuterRef("pk"))
        return Q(pk__in=TicketSnooze.objects.values("ticket_id")) & Q(Exists(snoozed))
    if key == "mentions":
        mentioned = Notification.objects.filter(recipient_id=agent.pk, kind=NotificationKind.MENTIONED)
        return Q(pk__in=mentioned.values("ticket_id"))
    return Q()


def _statuses(view: View, filters: Filters) -> tuple[str, ...]:
    if not filters.status:
        return view.statuses
    if view.statuses == OPEN_STATUSES and view.membership_key != "snoozed":
        return filters.status
    return tuple(s for s in view.statuses if s in filters.status)


def open_tickets(agent: Agent) -> QuerySet[Ticket]:
    """Open tickets in the agent's scope; the scope is ``hub.access``'s, never our own."""
    return visible_tickets(agent).filter(status__in=OPEN_STATUSES)


def view_tickets(agent: Agent, key: str | View, filters: Filters | None = None) -> QuerySet[Ticket]:
    """The tickets of a view, narrowed by ``filters`` (None: the view's own, a saved view's)."""
    view = key if isinstance(key, View) else VIEWS[key]
    if filters is None:
        filters = view.filters
    statuses = _statuses(view, filters)
    qs = visible_tickets(agent).filter(_membership(agent, view.membership_key), status__in=statuses)
    return qs.filter(filters.condition(agent.pk, statuses, qs.db)) if not filters.empty else qs


def filters_of(view: View, params: QueryDict) -> Filters:
    """The filters a list shows: its URL's, or a saved view's own until the filter bar sends
    others (it sends ``f=1`` with them, so clearing every filter of a saved view is possible)."""
    if view.saved is None or params.get("f"):
        return inbox_filters.parse(params)
    return view.filters


# The counts' SQL by everything it depends on: compiling four querysets cost more than running
# them. Bounded, since agents, roles and team sets are few.
_COUNTS_SQL: dict[tuple[Any, ...], tuple[list[str], str, list[Any]]] = {}
_COUNTS_SQL_MAX = 1000


def _capped_count_sql(qs: QuerySet[Ticket], cap: int | None = None) -> tuple[str, list[Any]]:
    """``qs``'s count as a scalar subquery that stops after ``cap`` (``COUNT_CAP``) rows."""
    try:
        sql, params = qs.order_by().values("pk")[: cap or COUNT_CAP].query.sql_with_params()
    except EmptyResultSet:  # e.g. "my teams" of an agent in no team
        return "0", []
    # The SQL is Django-compiled with placeholders; values travel as parameters.
    return f"(SELECT COUNT(*) FROM ({sql}) AS capped)", list(params)  # noqa: S608


def _counts_sql(agent: Agent) -> tuple[list[str], str, list[Any]]:
    db = Ticket.objects.db
    memo = (db, agent.pk, agent.sees_everything, tuple(sorted(team_ids(agent))), COUNT_CAP)
    found = _COUNTS_SQL.get(memo)
    if found is not None:
        return found
    keys = [v.key for v in views_for(agent) if v.counted]
    selects: list[str] = []
    params: list[Any] = []
    for key in keys:
        select, view_params = _capped_count_sql(view_tickets(agent, key))
        selects.append(select)
        params.extend(view_params)
    if len(_COUNTS_SQL) >= _COUNTS_SQL_MAX:
        _COUNTS_SQL.clear()
    found = _COUNTS_SQL[memo] = (keys, "SELECT " + ", ".join(selects), params)
    return found


def _run_counts(keys: list[str], sql: str, params: list[Any]) -> dict[str, int]:
    with connections[Ticket.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(keys, (int(n) for n in row), strict=True))


def counts(agent: Agent, extra: dict[str, QuerySet[Ticket]] | None = None) -> dict[str, int]:
    """Open items per counted view, each capped at ``COUNT_CAP``, and of each of ``extra`` (a
    filtered list), capped at ``FILTERED_COUNT_CAP``, in one query.

    Each view counts a LIMITed subquery, so PostgreSQL stops reading the index after
    ``COUNT_CAP`` rows however large the open backlog is (an aggregate over all open tickets
    grows with it).
    """
    keys, sql, params = _counts_sql(agent)
    if extra:
        keys, params = [*keys], [*params]
        for key, qs in extra.items():
            select, extra_params = _capped_count_sql(qs, FILTERED_COUNT_CAP)
            keys.append(key)
            sql += f", {select}"
            params.extend(extra_params)
    return _run_counts(keys, sql, params)


def saved_counts(agent: Agent, views: list[View]) -> dict[str, int]:
    """The saved views' capped counts in one query, kept ``SAVED_COUNTS_SECONDS`` per agent."""
    if not views:
        return {}
    stamp = ",".join(
        f"{v.key}:{v.base}:{v.saved.query if v.saved else ''}:{v.saved.created_at.timestamp() if v.saved else 0}"
        for v in views
    )
    digest = hashlib.sha256(stamp.encode()).hexdigest()[:24]
    memo = f"inbox:saved-counts:{agent.pk}:{agent.sees_everything}:{sorted(team_ids(agent))}:{digest}"
    found: dict[str, int] | None = cache.get(memo)
    if found is None:
        selects, params = [], []
        for view in views:
            select, view_params = _capped_count_sql(view_tickets(agent, view))
            selects.append(select)
            params.extend(view_params)
        found = _run_counts([v.key for v in views], "SELECT " + ", ".join(selects), params)
        cache.set(memo, found, SAVED_COUNTS_SECONDS)
    return found


def count_label(n: int, cap: int | None = None) -> str:
    """How a capped count is shown: the number, or "999+" once it reached the cap (``COUNT_CAP``)."""
    cap = cap or COUNT_CAP
    return f"{cap - 1}+" if n >= cap else str(n)


def _micros(at: datetime) -> int:
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def encode_cursor(at: datetime, pk: int) -> str:
    return f"{_micros(at)}.{pk}"


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
    customer_address_kind: str | None
    assignee_first_name: str | None
    assignee_last_name: str | None
    assignee_username: str | None
    has_draft: bool
    # A reply on the ticket that the hub gave up delivering (hub.delivery): the row says so.
    failed_delivery: bool
    # Kept on the ticket by the SLA engine: its earliest running due time and worst state.
    sla_due_at: datetime | None
    sla_state: str
    created_at: datetime
    # The customer wrote last and this agent has not looked since (``hub.models.TicketSeen``).
    unread: bool
    # The row's tags, joined (``frontend.ticket_header.row_tags``).
    tag_names: str | None = None

    @property
    def customer_label(self) -> str:
        """The customer's name, else their first address (a chat visitor's label), else their number."""
        return label_of(self.customer_name, self.customer_address_kind, self.customer_address, self.customer_id)

    @property
    def assignee_name(self) -> str:
        if self.assignee_username is None:
            return ""
        return Agent.name_of(self.assignee_first_name or "", self.assignee_last_name or "", self.assignee_username)


def _row_columns(agent: Agent) -> tuple[list[str], dict[str, Any]]:
    first = Identity.objects.filter(customer_id=OuterRef("customer_id")).order_by("pk")
    first_address, first_kind = first.values("value")[:1], first.values("kind")[:1]
    recent = Q(last_customer_message_at__gt=unread_since(timezone.now()))
    seen = TicketSeen.objects.filter(
        agent_id=agent.pk, ticket_id=OuterRef("pk"), seen_at__gte=OuterRef("last_customer_message_at")
    )
    answered = answers().filter(ticket_id=OuterRef("pk"), created_at__gt=OuterRef("last_customer_message_at"))
    annotations: dict[str, Any] = {
        # CASE is evaluated lazily: the subquery runs only for the rare customer without a name.
        "customer_address": Case(When(customer__display_name="", then=Subquery(first_address)), default=None),
        "customer_address_kind": Case(When(customer__display_name="", then=Subquery(first_kind)), default=None),
        "has_draft": Exists(Draft.objects.filter(agent_id=agent.pk, ticket_id=OuterRef("pk"))),
        "failed_delivery": Exists(
            Message.objects.filter(ticket_id=OuterRef("pk"), delivery_status=DeliveryStatus.FAILED)
        ),
        # Only for a row whose last message is the customer's, or a note (a note is no answer:
        # unread still, unless an answer came between the customer's message and the note).
        # The EXISTS run for those rows alone.
        "unread": Case(
            When(Q(last_message_direction=Direction.INBOUND) & recent, then=~Exists(seen)),
            When(
                Q(last_message_kind=MessageKind.NOTE) & recent,
                then=ExpressionWrapper(Q(~Exists(seen), ~Exists(answered)), output_field=BooleanField()),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "tag_names": ticket_header.row_tag_names(),
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
        "customer_address_kind",
        "assignee__user__first_name",
        "assignee__user__last_name",
        "assignee__user__username",
        "has_draft",
        "failed_delivery",
        "sla_due_at",
        "sla_state",
        "created_at",
        "unread",
        "tag_names",
    ]
    return columns, annotations


@dataclass
class Page:
    rows: list[ListTicket]
    older: str | None  # cursor for the next (older) page


def page(
    agent: Agent,
    key: str | View,
    before: str | None = None,
    size: int | None = None,
    sort: str = ACTIVITY,
    filters: Filters | None = None,
    tickets: QuerySet[Ticket] | None = None,
) -> Page:
    """One page of a view in the given order; a deep page costs what the first costs.

    ``tickets``: the view's tickets under ``filters`` if the caller has them already
    (``view_tickets``), so that a filter's own queries run once for the page and its count.
    """
    size = size or PAGE_SIZE  # read when called, so a test can make pages small
    qs = tickets if tickets is not None else view_tickets(agent, key, filters)
    if sort == DUE:
        return _due_page(agent, qs, before, size)
    if sort == CREATED:
        return _keyset_page(agent, qs, ("created_at", "id"), _CREATED_CURSOR, before, size)
    if sort == PRIORITY:
        return _keyset_page(agent, qs, ("priority", "last_activity_at", "id"), _PRIORITY_CURSOR, before, size)
    return _keyset_page(agent, qs, ("last_activity_at", "id"), "", before, size)


# The cursors' prefixes: a cursor of another order (a stale link) means the first page.
_CREATED_CURSOR = "c"
_PRIORITY_CURSOR = "p"


def _keyset_page(
    agent: Agent, qs: QuerySet[Ticket], keys: tuple[str, ...], prefix: str, before: str | None, size: int
) -> Page:
    """Newest (or highest) first by ``keys``, all descending, in one query.

    The row comparison is one range scan of the (keys...) index, however deep the page; the
    equivalent "a < T OR (a = T AND id < I)" is not (see hub/api/pagination.py).

    The page's ids are chosen in a subquery of their own, then its rows are read. Chosen
    together with the customer, the assignee and the row's columns, the ids' plan had to
    carry all of them: PostgreSQL walked the activity index (heap and all) where an index of
    the owner's history answers from the index alone, and a sort over a tag's few thousand
    open tickets joined every one of them before keeping 50 (``hub.tag_filter``).
    """
    cursor = _decode_keys(before, prefix, len(keys)) if before else None
    if cursor is not None:
        qs = qs.filter(TupleLessThan(Tuple(*(F(k) for k in keys)), cursor))
    columns, annotations = _row_columns(agent)
    order = [f"-{k}" for k in keys]
    ids = qs.order_by(*order).values("pk")[: size + 1]
    chosen = Ticket.objects.using(qs.db).filter(pk__in=ids)
    found = chosen.annotate(**annotations).order_by(*order).values_list(*columns)
    rows = [ListTicket._make(row) for row in found]
    if len(rows) <= size:
        return Page(rows=rows, older=None)
    last = rows[size - 1]
    return Page(rows=rows[:size], older=prefix + _encode_keys(last, keys))


def _encode_keys(row: ListTicket, keys: tuple[str, ...]) -> str:
    parts = []
    for key in keys:
        value = row.pk if key == "id" else getattr(row, key)
        parts.append(str(_micros(value) if isinstance(value, datetime) else value))
    return ".".join(parts)


def _decode_keys(value: str, prefix: str, length: int) -> tuple[Any, ...] | None:
    """The key values of a cursor; its times travel as microseconds since the epoch."""
    if prefix and not value.startswith(prefix):
        return None
    parts = value[len(prefix) :].split(".")
    if len(parts) != length:
        return None
    try:
        numbers = [int(part) for part in parts]
        # Every key but the last (the id) and a priority is a time.
        if length == 3:  # priority, time, id
            return numbers[0], _EPOCH + timedelta(microseconds=numbers[1]), numbers[2]
        return _EPOCH + timedelta(microseconds=numbers[0]), numbers[1]
    except (ValueError, OverflowError):
        return None


# "Due soonest" pages in two stretches, each one range of the open tickets' (sla_due_at, id)
# index: the tickets with a due time, soonest first (cursor "d<micros>.<id>"), then those
# without, by number (cursor "n<id>"). A page that spans the seam costs a second query.
def _due_page(agent: Agent, qs: QuerySet[Ticket], before: str | None, size: int) -> Page:
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


def rows_of(agent: Agent, ids: list[int]) -> list[ListTicket]:
    """The rows of these tickets as far as the agent may see them, in no particular order."""
    return _rows(agent, visible_tickets(agent).filter(pk__in=ids).order_by("pk"), len(ids))


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


class NavRow(NamedTuple):
    view: View
    n: int
    shown: str  # "" for a view the navigation does not count
    url: str


def navigation(
    agent: Agent,
    url_of: Any,
    found: dict[str, int] | None = None,
    current: View | None = None,
    current_count: int | None = None,
) -> list[NavRow]:
    """The navigation's views with their counts: built-in ones (one query, capped), then the
    agent's saved views (one query for the list, their counts cached for a few seconds); the
    current list's fresh count replaces its saved view's cached one. ``found``: the built-in
    views' counts when the caller has them already."""
    if found is None:
        found = counts(agent)
    rows = [
        NavRow(v, found.get(v.key, 0), count_label(found[v.key]) if v.key in found else "", url_of(v.key))
        for v in views_for(agent)
    ]
    saved = [_saved_view(agent, s) for s in saved_views_for(agent)]
    numbers = saved_counts(agent, saved)
    if current is not None and current.saved is not None and current_count is not None:
        numbers[current.key] = current_count
    rows += [NavRow(v, numbers.get(v.key, 0), count_label(numbers.get(v.key, 0)), url_of(v.key)) for v in saved]
    return rows


def best_view_for(agent: Agent, ticket: Ticket) -> str:
    """The view a permalink opens a ticket in: the most personal one the ticket belongs to."""
    if ticket.assignee_id == agent.pk:
        return "mine"
    if ticket.assignee_id is None:
        return "unassigned"
    if ticket.team_id is not None and ticket.team_id in team_ids(agent):
        return "teams"
    return "all" if agent.sees_everything else "mine"
