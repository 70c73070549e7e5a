"""Tickets a query finds, within a queryset the caller scoped (``hub.access.visible_tickets``).

The filters are ordinary conditions on the ticket. The text is PostgreSQL full-text search on
``hub_ticketsearch`` (German and English stems, see ``hub.models.search``). A page of results
is the newest matching tickets, and no one plan is fast for every word: reading all matches off
the GIN index costs what the matches number (an absent word nothing, "danke" at a million
tickets a third of them, 60 ms before a row is read); walking the list's index newest first
and checking each ticket costs (page / share of tickets matching), nothing for "danke" and the
whole table for a word nobody wrote. PostgreSQL's own choice under ORDER BY … LIMIT is the walk
whenever it expects more than a handful of matches, and its expectation of an absent word or
of "Rechnung -Rabatt" is thousands. So the plan is chosen here, in three steps:

1. **Estimate** each word's (or OR-group's) matches from the planner's statistics of the
   search words (one EXPLAIN, no rows read). If even the rarest is common (more than
   ``GIN_ROWS``), the result is common: walk (3).
2. **Candidates**: read the ids of the matches off the GIN index, at most ``CANDIDATES`` + 1
   (``hub_search_candidates`` keeps PostgreSQL on the index). If there are at most
   ``CANDIDATES``, the page is those tickets, read by id and sorted. The ids are given twice,
   as the ticket's and as its search row's: PostgreSQL takes the two conditions for
   independent and expects a handful of rows, so it reads them by id. Given once, a few
   thousand ids looked to it like a share of the table the walk would meet soon, and for old
   ids (an old order number) the walk read the whole table: seconds, where reading by id takes
   milliseconds. An excluded word common enough to be costly on the index is checked per row.
3. **Walk**: the page walks the list's own index (whatever the filters and order choose), and
   each ticket met is checked against its search row in a correlated subquery, which
   PostgreSQL runs per row and cannot turn into reading every match first.

Step 2's cost is bounded by the postings of a word under ``GIN_ROWS`` and by ``CANDIDATES``
reads; step 3's by (page / share), which a word matching more than ``CANDIDATES`` tickets keeps
small. bench/bench_search.py measures absent, rare, common words and phrases at a million.

SQLite (the embedded default) has no search rows: there the text is a case-insensitive
substring of the subject or of a message (no stemming).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime, time
from functools import reduce
from operator import and_, or_

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.lookups import IsNull
from django.utils import timezone
from django.utils.translation import gettext as _

from hub import tag_filter
from hub.models import Agent, Customer, Identity, Message, MessageKind, Team, Ticket, TicketSearch
from hub.planner import plan
from hub.search import customers
from hub.search.customers import exact_identities, organizations_matching
from hub.search.query import Atom, Filter, Query, channel_value, date_value, status_value
from hub.text import whole_number

# Matches up to this many tickets are read by id; more, and the list's index is walked instead.
CANDIDATES = 5000
# Words the planner expects in at most this many tickets are read off the GIN index at once (a
# few milliseconds); above it, a sample of the newest tickets decides between index and walk.
GIN_ROWS = 30_000
SAMPLE = 300
# Matches in the sample that make a walk short: a share of 1 % fills a page in about 2,500 rows.
SAMPLE_COMMON = 3


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


def _estimates(db: str, words: list[str]) -> dict[str, float]:
    """The planner's expected matches of each word, from its statistics; one EXPLAIN, no rows read."""
    selects = ["SELECT 1 FROM hub_ticketsearch WHERE document @@ hub_search_word(%s)"] * len(words)
    top = plan(db, " UNION ALL ".join(selects), words)
    nodes = top.get("Plans", []) if len(words) > 1 else [top]
    if len(nodes) != len(words):  # a plan of another shape: the whole's estimate for each word
        nodes = [top] * len(words)
    return {word: float(node["Plan Rows"]) for word, node in zip(words, nodes, strict=True)}


def _rarest_clause(db: str, query: Query) -> float:
    """How many tickets the rarest clause matches at most, as the planner expects.

    A phrase matches at most what its rarest word does (the planner multiplies its words'
    shares, which real phrases, whose words go together, make far too small); an OR-group at
    most the sum of its parts.
    """
    words = sorted({w for clause in query.clauses for atom in clause for w in atom.text.split()})
    found = _estimates(db, words)
    return min(sum(min(found[w] for w in atom.text.split()) for atom in clause) for clause in query.clauses)


def _candidates(db: str, tsquery: tuple[str, list[str]]) -> list[int] | None:
    """The ids of the tickets matching, if there are at most CANDIDATES of them; else None."""
    sql, params = tsquery
    with connections[db].cursor() as cursor:
        cursor.execute(f"SELECT hub_search_candidates({sql}, %s)", [*params, CANDIDATES + 1])
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= CANDIDATES else None


def _matching(queryset: QuerySet[Ticket], tsquery: tuple[str, list[str]], name: str) -> QuerySet[Ticket]:
    """``queryset`` with a per-row check of each ticket's search row against ``tsquery``."""
    sql, params = tsquery
    hit = (
        TicketSearch.objects.filter(ticket_id=OuterRef("pk"))
        # Fixed SQL fragments (tsquery_sql); the words travel as parameters.
        .annotate(hit=RawSQL(f"document @@ {sql}", params, output_field=BooleanField()))  # noqa: S611
        .values("hit")
    )
    return queryset.alias(**{name: Subquery(hit, output_field=BooleanField())})


def _common_among_recent(queryset: QuerySet[Ticket], tsquery: tuple[str, list[str]]) -> bool:
    """Whether the query matches at least SAMPLE_COMMON of the SAMPLE newest tickets of ``queryset``.

    Those tickets (in the agent's scope, under the query's filters) are where the walk starts:
    this measures its length (page / share) directly, whatever the words' correlation (the
    planner multiplies their shares: "Rechnung Passwort" is thousands to it and nothing in
    fact) and whatever the filters hold ("Rechnung -Rabatt" may be common among new mail and
    absent from the solved tickets). A SAMPLE-row walk itself.
    """
    sql, params = tsquery
    newest = queryset.order_by("-last_activity_at", "-pk").values("pk")[:SAMPLE]
    hits = (
        TicketSearch.objects.filter(ticket_id__in=newest)
        # Fixed SQL fragments (tsquery_sql); the words travel as parameters.
        .annotate(hit=RawSQL(f"document @@ {sql}", params, output_field=BooleanField()))  # noqa: S611
        .filter(hit=True)
    )
    return hits.count() >= SAMPLE_COMMON


def _text_postgres(queryset: QuerySet[Ticket], query: Query) -> QuerySet[Ticket]:
    full = tsquery_sql(query)
    assert full is not None
    number = query.lone_number
    db = queryset.db
    condition = Q(text_hit=True) | Q(pk=number) if number is not None else Q(text_hit=True)
    walk = _matching(queryset, full, "text_hit").filter(condition)
    if not query.clauses:  # only exclusions: most tickets match
        return walk
    if _rarest_clause(db, query) > GIN_ROWS and _common_among_recent(queryset, full):
        return walk
    # The whole query, exclusions too: the index reads an excluded word's postings only where
    # the wanted words' are (its "fast scan"), so "Rechnung -Rabatt" costs what "Rechnung" does.
    ids = _candidates(db, full)
    if ids is None:  # more than CANDIDATES, though not among the newest: walk all the same
        return walk
    if number is not None:
        ids.append(number)
    if not ids:
        return queryset.none()
    return queryset.filter(pk__in=ids, search_row__ticket_id__in=ids)


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
    """Tickets of the customers this address, number, name or part of one names.

    Like the customer search (``hub.search.customers``): a whole address or number is one
    probe; a part of one collects the customers by the trigram indexes, up to
    SEARCH_CANDIDATES. Their ids are given twice (the ticket's customer and the customer
    itself), so PostgreSQL reads those customers' tickets rather than walking the newest
    tickets, which for a rare name is the whole table. More matching customers ("anna"): each
    ticket walked is checked, by name and by a scalar subquery on its customer's identities
    (an EXISTS would first read every matching identity).
    """
    exact = exact_identities(value)
    if exact is not None:
        return Q(customer_id__in=Identity.objects.filter(exact).values("customer_id"))
    names = Customer.objects.filter(display_name__icontains=value).values_list("pk", flat=True)
    holders = Identity.objects.filter(value__icontains=value).values_list("customer_id", flat=True)
    candidates = sorted(set(names.union(holders, all=True)[: customers.SEARCH_CANDIDATES + 1]))
    if len(candidates) <= customers.SEARCH_CANDIDATES:
        return Q(customer_id__in=candidates, customer__pk__in=candidates)
    holder = Identity.objects.filter(customer_id=OuterRef("customer_id"), value__icontains=value).values("pk")[:1]
    return Q(customer__display_name__icontains=value) | Q(IsNull(Subquery(holder), False))


def _from(values: tuple[str, ...], agent: Agent) -> Q:
    # Nothing found is no error: it must not tell whether someone outside the agent's scope exists.
    return reduce(or_, (_customers_by_text(v) for v in values))


def _ids(values: tuple[str, ...], what: str) -> list[int]:
    ids = []
    for value in values:
        number = whole_number(value)
        if number is None:
            raise SearchError(_("%(filter)s: needs a number, not “%(value)s”.") % {"filter": what, "value": value})
        ids.append(number)
    return ids


def _customer(values: tuple[str, ...], agent: Agent) -> Q:
    return Q(customer_id__in=_ids(values, "customer"))


def _org(values: tuple[str, ...], agent: Agent) -> Q:
    return Q(customer_id__in=Customer.objects.filter(organization_id__in=organizations_matching(values)).values("pk"))


def _tag(values: tuple[str, ...], agent: Agent) -> Q:
    # EXISTS rather than a join: no duplicate rows and no DISTINCT over the page.
    tagged = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag__name__in=[v.lower() for v in values])
    return Q(Exists(tagged))


def _open_tag(values: tuple[str, ...], statuses: tuple[str, ...] | None, db: str) -> Q:
    """``tag:`` in a search narrowed to open statuses: a rare tag is read off the open tickets'
    tag index rather than found by walking them (``hub.tag_filter``)."""
    return tag_filter.tagged_names([v.lower() for v in values], statuses, db)


def _statuses(grouped: Mapping[tuple[str, bool], list[str]]) -> tuple[str, ...] | None:
    """The statuses a query keeps (None: any), from its ``status:`` filters."""
    kept = grouped.get(("status", False))
    if kept is None:
        return None
    found = {status_value(v) for v in kept}
    if None in found:
        return None  # a bad value: its own builder says so
    wanted = {s for s in found if s is not None}
    refused = {status_value(v) for v in grouped.get(("status", True), [])}
    return tuple(sorted(wanted - refused))


_NOBODY = ("none", "nobody", "niemand", "kein", "keins", "keinem")


def _team(values: tuple[str, ...], agent: Agent) -> Q:
    found = Q()
    for value in values:
        if value.lower() in _NOBODY:
            found |= Q(team__isnull=True)
            continue
        match = Q(slug__iexact=value) | Q(name__iexact=value)
        if (number := whole_number(value)) is not None:
            match |= Q(pk=number)
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
        if (number := whole_number(value)) is not None:
            match |= Q(pk=number)
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


def filter_condition(query: Query, agent: Agent, db: str = DEFAULT_DB_ALIAS) -> Q:
    """The query's filters as one condition on tickets of database ``db``; raises SearchError
    for a bad value.

    The same filter given twice means either value (``status:open status:pending``); different
    filters all apply; a negated one (``-tag:spam``) excludes.
    """
    grouped: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for f in query.filters:
        grouped[(f.name, f.negated)].extend(f.values)
    statuses = _statuses(grouped)
    conditions = []
    for (name, negated), values in grouped.items():
        if (name, negated) == ("tag", False) and tag_filter.indexed(statuses, db):
            conditions.append(_open_tag(tuple(values), statuses, db))
            continue
        condition = BUILDERS[name](tuple(values), agent)
        conditions.append(~condition if negated else condition)
    return reduce(and_, conditions, Q())


def search_tickets(queryset: QuerySet[Ticket], query: Query, agent: Agent) -> QuerySet[Ticket]:
    """``queryset`` (scoped by the caller) narrowed to what ``query`` finds; unordered.

    Raises SearchError for a filter value that names nothing.
    """
    queryset = queryset.filter(filter_condition(query, agent, queryset.db))
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
