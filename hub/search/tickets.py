"""Tickets a query finds, within a queryset the caller scoped (``hub.access.visible_tickets``).

The filters are ordinary conditions on the ticket. The text is PostgreSQL full-text search on
``hub_ticketsearch`` (German and English stems, see ``hub.models.search``), in one of two plans,
chosen by how many tickets of the whole hub match:

- **Few** (at most ``CANDIDATES``; an absent term, a rare one, an order number): their ids come
  off the GIN index first, capped, and the page is those tickets read by id and sorted. The ids
  are handed over twice, as the ticket's and as its search row's: PostgreSQL takes the two
  conditions for independent and expects a handful of rows, so it reads them by id. Given once,
  a few thousand ids looked to it like a share of the table that walking the activity index
  would meet soon, and for ids far down that index (an old order number) the walk read the
  whole table: seconds at a million tickets, where reading them by id takes milliseconds.
- **Many** (a common word): the page walks the list's own index, newest first, and each ticket
  it meets is checked against its search row (a correlated subquery, which PostgreSQL runs per
  row and cannot turn into reading every match first); a common word fills a page after a few
  dozen rows.

So the cost is bounded by ``CANDIDATES`` reads for rare words and by (page size / share of
tickets matching) for common ones. SQLite (the embedded default) has no search rows: there the
text is a case-insensitive substring of the subject or of a message (no stemming).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time
from functools import reduce
from operator import and_, or_

from django.db import connections
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from hub.models import Agent, Customer, Identity, Message, MessageKind, Team, Ticket, TicketSearch
from hub.search.customers import exact_identities, organizations_matching
from hub.search.query import Atom, Filter, Query, channel_value, date_value, status_value

# Matches up to this many tickets are read by id; more, and the list's index is walked instead.
CANDIDATES = 5000


class SearchError(ValueError):
    """A filter whose value names nothing (an unknown status, team, agent or date).

    The message is for the agent, in their language, and names the value.
    """


# -- the text on PostgreSQL ---------------------------------------------------------------


def _atom_sql(atom: Atom) -> tuple[str, list[str]]:
    # Both languages' stems of what was typed (SQL functions of migration 0019): immutable, so
    # PostgreSQL folds them into the query it plans and estimates the words themselves.
    return ("hub_search_phrase(%s)" if atom.phrase else "hub_search_word(%s)"), [atom.text]


def atoms_sql(atoms: tuple[Atom, ...]) -> tuple[str, list[str]]:
    """A tsquery expression matching any of ``atoms``."""
    parts = [_atom_sql(atom) for atom in atoms]
    return "(" + " || ".join(sql for sql, _ in parts) + ")", [p for _, params in parts for p in params]


def tsquery_sql(query: Query, *, positive_only: bool = False) -> tuple[str, list[str]] | None:
    """The query's words as one tsquery expression (SQL with its parameters), or None."""
    parts = [atoms_sql(clause) for clause in query.clauses]
    if query.excluded and not positive_only:
        sql, params = atoms_sql(query.excluded)
        parts.append((f"!!{sql}", params))
    if not parts:
        return None
    return "(" + " && ".join(sql for sql, _ in parts) + ")", [p for _, params in parts for p in params]


def _candidates(db: str, tsquery: tuple[str, list[str]]) -> list[int] | None:
    """The ids of the tickets matching, if there are at most CANDIDATES of them; else None."""
    sql, params = tsquery
    with connections[db].cursor() as cursor:
        # Built from fixed SQL fragments; the words travel as parameters.
        cursor.execute(
            f"SELECT ticket_id FROM hub_ticketsearch WHERE document @@ {sql} LIMIT %s",  # noqa: S608
            [*params, CANDIDATES + 1],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= CANDIDATES else None


def _text_postgres(queryset: QuerySet[Ticket], query: Query) -> QuerySet[Ticket]:
    tsquery = tsquery_sql(query)
    assert tsquery is not None
    number = query.lone_number
    ids = _candidates(queryset.db, tsquery) if query.clauses else None
    if ids is not None:
        if number is not None:
            ids.append(number)
        if not ids:
            return queryset.none()
        return queryset.filter(pk__in=ids, search_row__ticket_id__in=ids)
    sql, params = tsquery
    hit = (
        TicketSearch.objects.filter(ticket_id=OuterRef("pk"))
        # Fixed SQL fragments (tsquery_sql); the words travel as parameters.
        .annotate(hit=RawSQL(f"document @@ {sql}", params, output_field=BooleanField()))  # noqa: S611
        .values("hit")
    )
    found = Q(text_hit=True)
    if number is not None:
        found |= Q(pk=number)
    return queryset.alias(text_hit=Subquery(hit, output_field=BooleanField())).filter(found)


# -- the text elsewhere -------------------------------------------------------------------


def _contains(atom: Atom) -> Q:
    messages = Message.objects.filter(ticket_id=OuterRef("pk"), text__icontains=atom.text).exclude(
        kind=MessageKind.SYSTEM
    )
    return Q(subject__icontains=atom.text) | Q(Exists(messages))


def _text_fallback(query: Query) -> Q:
    found = Q()
    for clause in query.clauses:
        found &= reduce(or_, (_contains(atom) for atom in clause))
    for atom in query.excluded:
        found &= ~_contains(atom)
    number = query.lone_number
    return found | Q(pk=number) if number is not None else found


# -- filters ------------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _status(values: tuple[str, ...], agent: Agent) -> Q:
    found = []
    for value in values:
        status = status_value(value)
        if status is None:
            raise SearchError(_("“%(value)s” is no status.") % {"value": value})
        found.append(status)
    return Q(status__in=found)


def _channel(values: tuple[str, ...], agent: Agent) -> Q:
    return Q(origin_channel__in=[channel_value(v) for v in values])


def _customers_by_text(value: str) -> Q:
    """Tickets of customers this address, number, name or part of one names."""
    exact = exact_identities(value)
    if exact is not None:
        return Q(customer_id__in=Identity.objects.filter(exact).values("customer_id"))
    return Q(customer_id__in=Customer.objects.filter(display_name__icontains=value).values("pk")) | Q(
        customer_id__in=Identity.objects.filter(value__icontains=value).values("customer_id")
    )


def _from(values: tuple[str, ...], agent: Agent) -> Q:
    # Nothing found is no error: it must not tell whether someone outside the agent's scope exists.
    return reduce(or_, (_customers_by_text(v) for v in values))


def _ids(values: tuple[str, ...], what: str) -> list[int]:
    ids = []
    for value in values:
        if not value.isdigit() or len(value) > 18:
            raise SearchError(_("%(filter)s: needs a number, not “%(value)s”.") % {"filter": what, "value": value})
        ids.append(int(value))
    return ids


def _customer(values: tuple[str, ...], agent: Agent) -> Q:
    return Q(customer_id__in=_ids(values, "customer"))


def _org(values: tuple[str, ...], agent: Agent) -> Q:
    return Q(customer_id__in=Customer.objects.filter(organization_id__in=organizations_matching(values)).values("pk"))


def _tag(values: tuple[str, ...], agent: Agent) -> Q:
    # EXISTS rather than a join: no duplicate rows and no DISTINCT over the page.
    tagged = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag__name__in=[v.lower() for v in values])
    return Q(Exists(tagged))


_NOBODY = ("none", "nobody", "niemand", "kein", "keins", "keinem")


def _team(values: tuple[str, ...], agent: Agent) -> Q:
    found = Q()
    for value in values:
        if value.lower() in _NOBODY:
            found |= Q(team__isnull=True)
            continue
        match = Q(slug__iexact=value) | Q(name__iexact=value)
        if value.isdigit() and len(value) <= 18:
            match |= Q(pk=int(value))
        teams = list(Team.objects.filter(match).values_list("pk", flat=True))
        if not teams:
            raise SearchError(_("No team is called “%(value)s”.") % {"value": value})
        found |= Q(team_id__in=teams)
    return found


def _assignee(values: tuple[str, ...], agent: Agent) -> Q:
    found = Q()
    for value in values:
        lowered = value.lower()
        if lowered in ("me", "ich", "mir", "mich"):
            found |= Q(assignee_id=agent.pk)
            continue
        if lowered in _NOBODY:
            found |= Q(assignee__isnull=True)
            continue
        match = Q(user__username__iexact=value) | Q(user__first_name__iexact=value) | Q(user__email__iexact=value)
        if value.isdigit() and len(value) <= 18:
            match |= Q(pk=int(value))
        agents = list(Agent.objects.filter(match).values_list("pk", flat=True))
        if not agents:
            raise SearchError(_("No agent is called “%(value)s”.") % {"value": value})
        found |= Q(assignee_id__in=agents)
    return found


def _day(value: str, name: str) -> date:
    day = date_value(value, timezone.localdate())
    if day is None:
        raise SearchError(
            _("%(filter)s: “%(value)s” is no date (2024-05-31, 31.5.2024 or 7d).") % {"filter": name, "value": value}
        )
    return day


def _before(values: tuple[str, ...], agent: Agent) -> Q:
    # The latest of several bounds: before:A before:B means before either.
    return Q(created_at__lt=_start_of(max(_day(v, "before") for v in values)))


def _after(values: tuple[str, ...], agent: Agent) -> Q:
    return Q(created_at__gte=_start_of(min(_day(v, "after") for v in values)))


BUILDERS = {
    "status": _status,
    "channel": _channel,
    "from": _from,
    "customer": _customer,
    "org": _org,
    "tag": _tag,
    "team": _team,
    "assignee": _assignee,
    "before": _before,
    "after": _after,
}


def filter_condition(query: Query, agent: Agent) -> Q:
    """The query's filters as one condition on tickets; raises SearchError for a bad value.

    The same filter given twice means either value (``status:open status:pending``); different
    filters all apply; a negated one (``-tag:spam``) excludes.
    """
    grouped: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for f in query.filters:
        grouped[(f.name, f.negated)].extend(f.values)
    conditions = []
    for (name, negated), values in grouped.items():
        condition = BUILDERS[name](tuple(values), agent)
        conditions.append(~condition if negated else condition)
    return reduce(and_, conditions, Q())


def search_tickets(queryset: QuerySet[Ticket], query: Query, agent: Agent) -> QuerySet[Ticket]:
    """``queryset`` (scoped by the caller) narrowed to what ``query`` finds; unordered.

    Raises SearchError for a filter value that names nothing.
    """
    queryset = queryset.filter(filter_condition(query, agent))
    if query.numbers:
        queryset = queryset.filter(pk__in=query.numbers)
    if not query.has_text:
        return queryset
    if connections[queryset.db].vendor != "postgresql":
        return queryset.filter(_text_fallback(query))
    return _text_postgres(queryset, query)


def ticket_only_filters(query: Query) -> list[Filter]:
    """The filters that say something about tickets only (not about customers or organizations)."""
    return [f for f in query.filters if f.name not in ("org",)]
