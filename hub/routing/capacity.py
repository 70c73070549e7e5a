"""Chats go to an online agent of the team with room for one more, the least loaded first.

An agent's room is ``capacity["chat"]`` (``CHAT_DEFAULT_CAPACITY`` when unset) minus the open
chat tickets assigned to them. Among the least loaded, the agent whose latest chat started
longest ago gets it, so a quiet agent is not passed over by one who just finished a chat.
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

CHANNEL = "chat"
# How far back "latest chat" is looked for when breaking ties: the index on (assignee,
# last activity) bounds the scan to a day's tickets; agents idle for longer tie among themselves.
IDLE_LOOKBACK = timedelta(hours=24)


@dataclass(frozen=True)
class ChatChoice:
    agent: Agent | None
    rule: str  # why, in the words of the routing event


def chat_capacity(agent: Agent) -> int:
    """How many open chats the agent takes at once; a malformed value falls back to the default."""
    value = (agent.capacity or {}).get(CHANNEL) if isinstance(agent.capacity, dict) else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return int(settings.CHAT_DEFAULT_CAPACITY)


def open_chats(agent_ids: list[int]) -> dict[int, int]:
    """Open chat tickets per agent (the partial index on open tickets by assignee answers it)."""
    rows = (
        Ticket.objects.filter(assignee_id__in=agent_ids, origin_channel=CHANNEL, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    return dict(rows)


def latest_chat_started(agent_ids: list[int]) -> dict[int, float]:
    since = timezone.now() - IDLE_LOOKBACK
    rows = (
        Ticket.objects.filter(assignee_id__in=agent_ids, origin_channel=CHANNEL, last_activity_at__gte=since)
        .values("assignee_id")
        .annotate(at=Max("created_at"))
        .values_list("assignee_id", "at")
    )
    return {agent_id: at.timestamp() for agent_id, at in rows if at is not None}


def pick_chat_agent(team_id: int, pending: Mapping[int, int] | None = None) -> ChatChoice:
    """The agent a new chat of the team goes to, or None with the reason it stays in the queue.

    Must run inside the transaction that saves the assignment: it locks the team's online
    agents (SELECT … FOR UPDATE, in id order, so two routings never wait on each other in a
    circle). A second chat routed at the same time waits here and then counts the first one,
    so two chats can never both take an agent's last free place. ``pending``: chats given to
    agents earlier in this transaction and not yet saved, which count as their load too.
    """
    agents = list(
        Agent.objects.filter(teams=team_id, presence=Presence.ONLINE)
        .select_for_update(no_key=True, of=("self",))
        .order_by("pk")
    )
    if not agents:
        return ChatChoice(None, "chat capacity: no agent of the team is online; left in the team queue")
    load = Counter(open_chats([a.pk for a in agents]))
    load.update(pending or {})
    free = [a for a in agents if load.get(a.pk, 0) < chat_capacity(a)]
    if not free:
        return ChatChoice(None, "chat capacity: every online agent of the team is at capacity; left in the team queue")
    lowest = min(load.get(a.pk, 0) for a in free)
    tied = [a for a in free if load.get(a.pk, 0) == lowest]
    if len(tied) > 1:
        latest = latest_chat_started([a.pk for a in tied])
        # Never had a chat in the lookback: idle longest. Then by id, so the choice is stable.
        tied.sort(key=lambda a: (latest.get(a.pk, float("-inf")), a.pk))
    chosen = tied[0]
    return ChatChoice(
        chosen,
        f"chat capacity: least loaded online agent with room ({lowest} of {chat_capacity(chosen)} chats open)",
    )
