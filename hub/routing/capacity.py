"""Live conversations go to an online agent of the team with room for one more, the least loaded first.

Per channel: an agent's room on a channel is ``capacity[channel]`` minus the open tickets of
that channel assigned to them, so chats and calls each have their own limit. Without a value
on the agent's profile the channel's default applies, the setting ``<CHANNEL>_DEFAULT_CAPACITY``
its app contributes (``CHAT_DEFAULT_CAPACITY``), else ``DEFAULT_CAPACITY``. Among the least
loaded, the agent whose latest conversation on the channel started longest ago gets it, so a
quiet agent is not passed over by one who just finished one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Max
from django.utils import timezone

from hub.models import Agent, Ticket
from hub.models.teams import Presence
from hub.models.tickets import OPEN_STATUSES
from hub.routing.reasons import Reason

# A channel whose app sets no default: one conversation at a time (a call).
DEFAULT_CAPACITY = 1
# How far back "latest conversation" is looked for when breaking ties: the index on (assignee,
# last activity) bounds the scan to a day's tickets; agents idle for longer tie among themselves.
IDLE_LOOKBACK = timedelta(hours=24)


@dataclass(frozen=True)
class Choice:
    agent: Agent | None
    why: Reason

    @property
    def rule(self) -> str:
        """Why, in the words of the routing event's line."""
        return self.why.english()


def default_capacity(channel: str) -> int:
    return int(getattr(settings, f"{channel.upper()}_DEFAULT_CAPACITY", DEFAULT_CAPACITY))


def capacity(agent: Agent, channel: str) -> int:
    """How many open conversations of ``channel`` the agent takes at once; a malformed value gives the default."""
    value = agent.capacity.get(channel) if isinstance(agent.capacity, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return default_capacity(channel)


def open_tickets(agent_ids: list[int], channel: str) -> dict[int, int]:
    """Open tickets of ``channel`` per agent (the partial index on open tickets by assignee answers it)."""
    rows = (
        Ticket.objects.filter(assignee_id__in=agent_ids, origin_channel=channel, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return dict(rows)


def latest_started(agent_ids: list[int], channel: str) -> dict[int, float]:
    since = timezone.now() - IDLE_LOOKBACK
    rows = (
        Ticket.objects.filter(assignee_id__in=agent_ids, origin_channel=channel, last_activity_at__gte=since)
        .values("assignee_id")
        .annotate(at=Max("created_at"))
        .values_list("assignee_id", "at")
    )
    return {agent_id: at.timestamp() for agent_id, at in rows if at is not None}


def pick_agent(team_id: int, channel: str, pending: Mapping[int, int] | None = None) -> Choice:
    """The agent a new live conversation of the team on ``channel`` goes to, or None with the
    reason it stays in the queue.

    Must run inside the transaction that saves the assignment: it locks the team's online
    agents (SELECT … FOR UPDATE, in id order, so two routings never wait on each other in a
    circle). A second conversation routed at the same time waits here and then counts the
    first one, so two can never both take an agent's last free place. ``pending``: given to
    agents earlier in this transaction and not yet saved, which count as their load too.
    """
    agents = list(
        Agent.objects.assignable()
        .filter(teams=team_id, presence=Presence.ONLINE)
        .select_for_update(no_key=True, of=("self",))
        .order_by("pk")
    )
    if not agents:
        return Choice(None, Reason.of("none_online", by="capacity", channel=channel))
    load = Counter(open_tickets([a.pk for a in agents], channel))
    load.update(pending or {})
    free = [a for a in agents if load.get(a.pk, 0) < capacity(a, channel)]
    if not free:
        return Choice(None, Reason.of("all_full", channel=channel))
    lowest = min(load.get(a.pk, 0) for a in free)
    tied = [a for a in free if load.get(a.pk, 0) == lowest]
    if len(tied) > 1:
        latest = latest_started([a.pk for a in tied], channel)
        # Never had one in the lookback: idle longest. Then by id, so the choice is stable.
        tied.sort(key=lambda a: (latest.get(a.pk, float("-inf")), a.pk))
    chosen = tied[0]
    why = Reason.of("least_loaded", by="capacity", channel=channel, count=lowest, limit=capacity(chosen, channel))
    return Choice(chosen, why)
