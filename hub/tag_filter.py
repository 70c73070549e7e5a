"""Tickets with any of some tags, as a condition PostgreSQL answers fast however tags are spread.

A list filtered by tag is a page of the newest tickets that carry it. No one plan is fast for
every tag. Walking the list's index newest first and probing each ticket's tags costs (page /
share of tickets tagged): little for a common tag, and everything for one that new tickets do
not carry (mail comes in untagged; a tag is added later, or to a few). PostgreSQL assumes the
tags spread evenly and walks: at a million tickets, after a day's mail, it read 46,000 open
tickets to find a page of "vip" (50 ms).

On PostgreSQL each ticket carries its tag ids (``hub_ticket.tag_ids``, kept by the triggers of
migration 0032), and a GIN index covers the open, tagged tickets. When the planner expects at
most ``CANDIDATES`` open tickets with the tags, they are read off that index and sorted: a
bounded cost. The overlap is stated twice, both ways round (``tags && ids``, ``ids && tags``):
PostgreSQL takes the two for independent conditions and then expects a handful of rows, which
it reads from the index and sorts; stated once, it expects them spread over the list and walks
it. More tickets than that, and the tag is common: the walk meets a page soon. The solved and
closed history, where tags are spread as they were given, is always walked.

SQLite, the embedded default, has no tag column: there the filter probes the join table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import BooleanField, Exists, Expression, F, OuterRef, Q

from hub.models import Tag, Ticket
from hub.models.tickets import OPEN_STATUSES
from hub.planner import plan

# At most this many open tickets with the tags (as the planner expects) are read off the index
# and sorted, a few milliseconds; more, and the list's own index is walked.
CANDIDATES = 10_000
# The index's condition (migration 0032), spelled as the queries must spell it for PostgreSQL
# to prove that they may use it.
_TAGGED = "tag_ids <> '{}'"


def _open_sql() -> str:
    # Word for word the index's own condition: PostgreSQL then knows the index holds exactly
    # these rows. Narrower statuses (a view of pending tickets) are the outer query's to apply.
    return "status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


class OpenTagged(Expression):
    """True for an open ticket with any of ``tag_ids``, read off the GIN index."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, tag_ids: list[int], pk: Any = None) -> None:
        super().__init__()
        self.tag_ids = sorted(tag_ids)
        # The outer ticket's id, resolved (and relabelled in a subquery) as any column is.
        self.pk: Any = pk if pk is not None else F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.pk]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.pk,) = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        table = compiler.quote_name_unless_alias(self.pk.alias)
        column = f"{table}.tag_ids"
        # The overlap both ways round: the same test to us, two conditions to the planner. Fixed
        # words and a compiled alias; the ids travel as parameters.
        overlap = f"{column} && %s::bigint[] AND %s::bigint[] && {column}"
        sql = f"({overlap} AND {table}.{_TAGGED} AND {table}.{_open_sql()})"
        return sql, [self.tag_ids, self.tag_ids]


def _expected(db: str, tag_ids: list[int]) -> float:
    """How many open tickets the planner expects with the tags; no row is read."""
    where = f"tag_ids && %s::bigint[] AND {_TAGGED} AND {_open_sql()}"
    sql = f"SELECT 1 FROM hub_ticket WHERE {where}"  # noqa: S608 - fixed words; the ids travel as parameters
    return float(plan(db, sql, [sorted(tag_ids)])["Plan Rows"])


def indexed(statuses: tuple[str, ...] | None, db: str) -> bool:
    """Whether a list of tickets in ``statuses`` (None: any) may read its tags off the index."""
    return connections[db].vendor == "postgresql" and bool(statuses) and set(statuses or ()) <= set(OPEN_STATUSES)


def tagged(tag_ids: list[int], statuses: tuple[str, ...] | None, db: str) -> Q:
    """Tickets with any of ``tag_ids``, for a list of tickets in ``statuses`` (None: any)."""
    if not tag_ids:
        return Q(pk__in=[])
    walk = Q(Exists(Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag_id__in=tag_ids)))
    if not indexed(statuses, db) or _expected(db, tag_ids) > CANDIDATES:
        return walk
    return Q(OpenTagged(tag_ids))


def tagged_names(names: list[str], statuses: tuple[str, ...] | None, db: str) -> Q:
    """``tagged`` for tags by name: their ids are read first, so that the planner sees constants
    and knows how common each tag is (a join to the name had it guess 1 in 44)."""
    tag_ids = list(Tag.objects.using(db).filter(name__in=names).values_list("pk", flat=True))
    return tagged(tag_ids, statuses, db)
