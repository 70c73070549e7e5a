"""The leads' service-level numbers per team: tickets at risk now, and targets breached today.

"At risk now" is the inbox's "SLA at risk" (open tickets whose worst clock warns or is breached)
counted by team; "breached today" counts the tickets with a clock that breached since midnight
in the agent's time zone (``SlaClock.breached_at``), whatever became of them since. Two grouped
queries, however many teams and tickets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Count
from django.utils import timezone

from frontend.sla import AT_RISK
from hub.models import SlaClock, Team, Ticket
from hub.models.tickets import OPEN_STATUSES


@dataclass(frozen=True)
class TeamLine:
    team_id: int | None
    name: str
    at_risk: int
    breached_today: int


def start_of_today(now: datetime | None = None) -> datetime:
    """Midnight today where the agent is (the current time zone), as an aware instant."""
    local = timezone.localtime(now or timezone.now())
    return datetime.combine(local.date(), time.min, tzinfo=local.tzinfo)


def per_team(now: datetime | None = None) -> list[TeamLine]:
    """Every team (and the tickets without one, when there are any), by name."""
    at_risk: dict[int | None, int] = dict(
        Ticket.objects.filter(status__in=OPEN_STATUSES, sla_state__in=AT_RISK)
        .values_list("team_id")
        .annotate(n=Count("id"))
        .values_list("team_id", "n")
    )
    breached: dict[int | None, int] = dict(
        SlaClock.objects.filter(breached_at__gte=start_of_today(now))
        .values_list("ticket__team_id")
        .annotate(n=Count("ticket_id", distinct=True))
        .values_list("ticket__team_id", "n")
    )
    lines = [
        TeamLine(pk, name, at_risk.get(pk, 0), breached.get(pk, 0))
        for pk, name in Team.objects.order_by("name").values_list("pk", "name")
    ]
    if at_risk.get(None) or breached.get(None):
        lines.append(TeamLine(None, "", at_risk.get(None, 0), breached.get(None, 0)))
    return lines
