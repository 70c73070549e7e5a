"""The leads' overview of a period: volume, first response and resolution times, service levels,
satisfaction and repeat contacts, per team, per channel and in all (``/agent/reports/``).

What each figure counts:

- **Created**: tickets opened in the period; **first response**: the median and the 90th
  percentile of opened → first public answer over those answered (wall-clock time: a lead
  compares it with what the customer waited). **Answered** says how many of them have one yet.
- **Solved**: tickets solved in the period, with the median and 90th percentile of opened → solved.
- **Repeat contacts**: tickets opened in the period within 7 days of the same customer's previous
  ticket, on any channel; **channel switches** are those whose previous ticket came in on another
  channel (a mail followed by a call: the first answer did not settle it).
- **Service levels**: targets met in time in the period against targets breached in it (a target
  breached and met late counts as breached).
- **Satisfaction (CSAT)**: survey answers given in the period (1–5); satisfied are 4 and 5.

A breakdown by team, by channel and by agent (the ticket's assignee now) comes from the same
pass: on PostgreSQL each duration figure is one query with ``GROUPING SETS`` and
``percentile_cont``; the counts are grouped by (team, channel, assignee) in SQL and added up
here. The embedded SQLite has no percentiles, so there the period's rows are read and the same
figures worked out in Python (an embedded hub is small).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from hub.models import SlaOutcome, Ticket, TicketEvent
from hub.models.tickets import EventKind

REPEAT_WINDOW = timedelta(days=7)
SATISFIED = 4  # of 5
PROMOTER, DETRACTOR = 9, 6  # of 10: 9 and 10 promote, 0 to 6 detract

Key = tuple[str, object]  # ("all", ""), ("team", id or None), ("channel", name), ("agent", id or None)
ALL: Key = ("all", "")


@dataclass
class Figures:
    created: int = 0
    answered: int = 0
    first_response: tuple[float, float] | None = None  # median, 90th percentile (seconds)
    solved: int = 0
    resolution: tuple[float, float] | None = None
    repeat: int = 0
    switched: int = 0
    sla_met: int = 0
    sla_breached: int = 0
    csat_answers: int = 0
    csat_satisfied: int = 0
    csat_total: int = 0
    nps_answers: int = 0
    nps_promoters: int = 0
    nps_detractors: int = 0

    @property
    def sla_rate(self) -> float | None:
        judged = self.sla_met + self.sla_breached
        return self.sla_met / judged if judged else None

    @property
    def csat_rate(self) -> float | None:
        return self.csat_satisfied / self.csat_answers if self.csat_answers else None

    @property
    def csat_average(self) -> float | None:
        return self.csat_total / self.csat_answers if self.csat_answers else None

    @property
    def nps(self) -> float | None:
        """Promoters less detractors, in percent of the answers: -100 to 100."""
        return 100 * (self.nps_promoters - self.nps_detractors) / self.nps_answers if self.nps_answers else None

    @property
    def repeat_rate(self) -> float | None:
        return self.repeat / self.created if self.created else None


@dataclass(frozen=True)
class Scope:
    """The period ``[since, until)`` and the optional team (0: tickets without one) and channel."""

    since: datetime
    until: datetime
    team_id: int | None = None
    channel: str = ""

    def tickets(self, prefix: str = "") -> Q:
        q = Q()
        if self.team_id is not None:
            q &= Q(**{f"{prefix}team_id": self.team_id or None})
        if self.channel:
            q &= Q(**{f"{prefix}origin_channel": self.channel})
        return q


@dataclass
class Overview:
    figures: dict[Key, Figures] = field(default_factory=dict)

    def of(self, key: Key) -> Figures:
        return self.figures.setdefault(key, Figures())

    @property
    def total(self) -> Figures:
        return self.of(ALL)

    def keys(self, kind: str) -> list[object]:
        return [value for k, value in self.figures if k == kind]


# Room for the sorts of a long period (the window over each customer's tickets, the
# percentiles) in memory: the server's default of 4 MB spilled a month at a million tickets to
# disk. For this transaction only.
WORK_MEM = "64MB"


def overview(scope: Scope) -> Overview:
    result = Overview()
    result.of(ALL)
    if connection.vendor != "postgresql":
        # Not in a transaction: the embedded SQLite's would take its write lock (IMMEDIATE).
        _durations_python(result, scope)
        _sla(result, scope)
        _satisfaction(result, scope)
        return result
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [WORK_MEM])
        _durations_sql(result, scope)
        _sla(result, scope)
        _satisfaction(result, scope)
    return result


def _keys(team_id: int | None, channel: str, assignee_id: int | None) -> tuple[Key, Key, Key, Key]:
    return ALL, ("team", team_id), ("channel", channel), ("agent", assignee_id)


def _add_counts(result: Overview, rows: Iterable[tuple[int | None, str, int | None, dict[str, int]]]) -> None:
    for team_id, channel, assignee_id, counts in rows:
        for key in _keys(team_id, channel, assignee_id):
            figures = result.of(key)
            for name, value in counts.items():
                setattr(figures, name, getattr(figures, name) + (value or 0))


def _sla(result: Overview, scope: Scope) -> None:
    in_period_met = Q(met_at__gte=scope.since, met_at__lt=scope.until, breached_at__isnull=True)
    in_period_breached = Q(breached_at__gte=scope.since, breached_at__lt=scope.until)
    rows = (
        SlaOutcome.objects.filter(in_period_met | in_period_breached)
        .filter(scope.tickets("ticket__"))
        .values_list("ticket__team_id", "ticket__origin_channel", "ticket__assignee_id")
        .annotate(met=Count("id", filter=in_period_met), breached=Count("id", filter=in_period_breached))
        .order_by()
    )
    _add_counts(result, ((t, c, a, {"sla_met": met, "sla_breached": late}) for t, c, a, met, late in rows))


def _satisfaction(result: Overview, scope: Scope) -> None:
    answers: QuerySet[TicketEvent] = TicketEvent.objects.filter(
        kind=EventKind.SURVEY_ANSWERED, created_at__gte=scope.since, created_at__lt=scope.until
    ).filter(scope.tickets("ticket__"))
    # A satisfaction answer (1–5) has no scale; a recommendation (0–10) is marked "nps".
    nps, csat = Q(data__scale="nps"), Q(data__scale__isnull=True)
    rows = (
        answers.annotate(rating=Cast(KeyTextTransform("rating", "data"), IntegerField()))
        .values_list("ticket__team_id", "ticket__origin_channel", "ticket__assignee_id")
        .annotate(
            n=Count("id", filter=csat),
            satisfied=Count("id", filter=csat & Q(rating__gte=SATISFIED)),
            total=Sum(F("rating"), filter=csat),
            nps_n=Count("id", filter=nps),
            promoters=Count("id", filter=nps & Q(rating__gte=PROMOTER)),
            detractors=Count("id", filter=nps & Q(rating__lte=DETRACTOR)),
        )
        .order_by()
    )
    _add_counts(
        result,
        (
            (
                t,
                c,
                a,
                {"csat_answers": n, "csat_satisfied": ok, "csat_total": total}
                | {"nps_answers": nps_n, "nps_promoters": pro, "nps_detractors": con},
            )
            for t, c, a, n, ok, total, nps_n, pro, con in rows
        ),
    )


# Seconds, never below 0 (an answer stamped before the opening it answers: clocks of two
# machines). greatest() skips NULL, so the figures that may lack their end filter on it.
_WAITED = "greatest(extract(epoch FROM first_response_at - created_at), 0)"
_TOOK = "greatest(extract(epoch FROM solved_at - created_at), 0)"

# One pass over the period's opened tickets (and the week before, for the previous ticket of
# each customer), and one over the solved ones; four groupings each (team, channel, the
# ticket's assignee now, all).
_OPENED_SQL = """
WITH spans AS (
    SELECT t.team_id, t.origin_channel, t.assignee_id, t.created_at, t.first_response_at,
           lag(t.created_at) OVER w AS previous_at, lag(t.origin_channel) OVER w AS previous_channel
    FROM {ticket} t
    WHERE t.created_at >= %(before)s AND t.created_at < %(until)s
    WINDOW w AS (PARTITION BY t.customer_id ORDER BY t.created_at, t.id)
)
SELECT team_id, origin_channel, assignee_id, GROUPING(team_id, origin_channel, assignee_id),
       count(*), count(first_response_at),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY {waited}) FILTER (WHERE first_response_at IS NOT NULL),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY {waited}) FILTER (WHERE first_response_at IS NOT NULL),
       count(*) FILTER (WHERE previous_at >= created_at - %(window)s * interval '1 second'),
       count(*) FILTER (
           WHERE previous_at >= created_at - %(window)s * interval '1 second' AND previous_channel <> origin_channel
       )
FROM spans
WHERE created_at >= %(since)s {filters}
GROUP BY GROUPING SETS ((team_id), (origin_channel), (assignee_id), ())
"""

_SOLVED_SQL = """
SELECT team_id, origin_channel, assignee_id, GROUPING(team_id, origin_channel, assignee_id), count(*),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY {took}),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY {took})
FROM {ticket}
WHERE solved_at >= %(since)s AND solved_at < %(until)s {filters}
GROUP BY GROUPING SETS ((team_id), (origin_channel), (assignee_id), ())
"""


# GROUPING(team_id, origin_channel, assignee_id) has a bit set for each column a row is not
# grouped by: 4 the team, 2 the channel, 1 the assignee.
_GROUPED_BY = {3: "team", 5: "channel", 6: "agent", 7: "all"}


def _grouping_key(team_id: int | None, channel: str, assignee_id: int | None, grouping: int) -> Key:
    kind = _GROUPED_BY[grouping]
    return {"team": ("team", team_id), "channel": ("channel", channel), "agent": ("agent", assignee_id)}.get(kind, ALL)


SqlParams = dict[str, int | str | datetime]


def _sql_filters(scope: Scope) -> tuple[str, SqlParams]:
    clauses, params = "", SqlParams()
    if scope.team_id is not None:
        if scope.team_id:
            clauses += " AND team_id = %(team)s"
            params["team"] = scope.team_id
        else:
            clauses += " AND team_id IS NULL"
    if scope.channel:
        clauses += " AND origin_channel = %(channel)s"
        params["channel"] = scope.channel
    return clauses, params


def _pair(low: float | None, high: float | None) -> tuple[float, float] | None:
    return None if low is None or high is None else (float(low), float(high))


def _durations_sql(result: Overview, scope: Scope) -> None:
    table = connection.ops.quote_name(Ticket._meta.db_table)
    filters, params = _sql_filters(scope)
    params.update(since=scope.since, until=scope.until, before=scope.since - REPEAT_WINDOW)
    with connection.cursor() as cursor:
        cursor.execute(
            _OPENED_SQL.format(ticket=table, filters=filters, waited=_WAITED),
            params | {"window": int(REPEAT_WINDOW.total_seconds())},
        )
        for (
            team_id,
            channel,
            assignee_id,
            grouping,
            created,
            answered,
            median,
            p90,
            repeat,
            switched,
        ) in cursor.fetchall():
            figures = result.of(_grouping_key(team_id, channel, assignee_id, grouping))
            figures.created, figures.answered = created, answered
            figures.first_response = _pair(median, p90)
            figures.repeat, figures.switched = repeat, switched
        cursor.execute(_SOLVED_SQL.format(ticket=table, filters=filters, took=_TOOK), params)
        for team_id, channel, assignee_id, grouping, solved, median, p90 in cursor.fetchall():
            figures = result.of(_grouping_key(team_id, channel, assignee_id, grouping))
            figures.solved, figures.resolution = solved, _pair(median, p90)


def percentile(ordered: list[float], fraction: float) -> float:
    """PostgreSQL's ``percentile_cont``: linear between the two nearest ranks of sorted values."""
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _spread(values: list[float]) -> tuple[float, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return percentile(ordered, 0.5), percentile(ordered, 0.9)


def _durations_python(result: Overview, scope: Scope) -> None:
    opened = Ticket.objects.filter(created_at__gte=scope.since - REPEAT_WINDOW, created_at__lt=scope.until)
    previous: dict[int, tuple[datetime, str]] = {}
    waits: dict[Key, list[float]] = {}
    rows = opened.order_by("created_at", "id").values_list(
        "customer_id", "team_id", "origin_channel", "assignee_id", "created_at", "first_response_at"
    )
    for customer_id, team_id, channel, assignee_id, created_at, first_response_at in rows:
        earlier = previous.get(customer_id)
        previous[customer_id] = (created_at, channel)
        if created_at < scope.since or not _in_scope(scope, team_id, channel):
            continue
        repeat = earlier is not None and earlier[0] >= created_at - REPEAT_WINDOW
        for key in _keys(team_id, channel, assignee_id):
            figures = result.of(key)
            figures.created += 1
            figures.repeat += repeat
            figures.switched += repeat and earlier is not None and earlier[1] != channel
            if first_response_at is not None:
                figures.answered += 1
                waits.setdefault(key, []).append(max((first_response_at - created_at).total_seconds(), 0.0))
    for key, values in waits.items():
        result.of(key).first_response = _spread(values)
    spans: dict[Key, list[float]] = {}
    solved = Ticket.objects.filter(scope.tickets(), solved_at__gte=scope.since, solved_at__lt=scope.until)
    for team_id, channel, assignee_id, created_at, solved_at in solved.values_list(
        "team_id", "origin_channel", "assignee_id", "created_at", "solved_at"
    ):
        took = max((solved_at - created_at).total_seconds(), 0.0) if solved_at is not None else 0.0
        for key in _keys(team_id, channel, assignee_id):
            result.of(key).solved += 1
            spans.setdefault(key, []).append(took)
    for key, values in spans.items():
        result.of(key).resolution = _spread(values)


def _in_scope(scope: Scope, team_id: int | None, channel: str) -> bool:
    if scope.team_id is not None and team_id != (scope.team_id or None):
        return False
    return not scope.channel or channel == scope.channel
