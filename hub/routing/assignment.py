"""A team's assignment strategy: which of its agents gets a ticket, respecting presence and capacity.

Strategies (``TeamRouting.strategy``): **manual** leaves tickets in the team queue;
**round robin** takes the agents in turn (id order, after the one who got the team's last
ticket); **least loaded** the agent with the fewest open tickets on the ticket's channel for
their capacity there; **skills** only the agents who have every skill the ticket needs (from
rules' ``require_skills`` and its language), least loaded among them, or, when nobody has them,
the whole team, and the timeline says so.

Only online agents qualify, whatever the channel. Capacity is per channel (``capacity``): a
live conversation always counts against it; for other channels (mail) only where an agent's
profile or the channel's ``<CHANNEL>_DEFAULT_CAPACITY`` sets one, else there is no limit.
Without a team routing row, live conversations go to the least loaded agent and everything
else stays in the queue, as before strategies existed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from django.conf import settings

from hub.models import Agent, Strategy, TeamRouting
from hub.models.teams import Presence
from hub.routing.capacity import Choice, capacity, latest_started, open_tickets
from hub.routing.reasons import Reason


def room(agent: Agent, channel: str, live: bool) -> int | None:
    """How many open tickets of ``channel`` the agent takes at once; None: no limit."""
    if live:
        return capacity(agent, channel)
    explicit = agent.capacity.get(channel) if isinstance(agent.capacity, dict) else None
    if isinstance(explicit, int) and not isinstance(explicit, bool) and explicit >= 0:
        return explicit
    default = getattr(settings, f"{channel.upper()}_DEFAULT_CAPACITY", None)
    return int(default) if default is not None else None


def agent_skills(agent: Agent) -> set[str]:
    """The agent's skills and the languages they answer in, lower case."""
    names: list[object] = [*(agent.skills or []), *(getattr(agent, "languages", None) or [])]
    return {n.strip().lower() for n in names if isinstance(n, str) and n.strip()}


def _lock_online(team_id: int, only: Iterable[int] | None) -> list[Agent]:
    """The online agents that may take it, locked in id order (see ``capacity.pick_agent``)."""
    if only is not None:
        query = Agent.objects.assignable().filter(pk__in=list(only), presence=Presence.ONLINE)
    else:
        query = Agent.objects.assignable().filter(teams=team_id, presence=Presence.ONLINE)
    return list(query.select_for_update(no_key=True, of=("self",)).order_by("pk"))


def pick(
    team_id: int,
    channel: str,
    *,
    strategy: str,
    live: bool,
    skills: Iterable[str] = (),
    language: str = "",
    pending: Mapping[int, int] | None = None,
    only: Iterable[int] | None = None,
) -> Choice:
    """The agent a ticket of the team on ``channel`` goes to by ``strategy``, or None and why not.

    Must run inside the transaction that saves the assignment: it locks the candidates
    (``SELECT … FOR NO KEY UPDATE``, id order), so two workers assigning at once count each
    other's tickets and nobody goes over capacity. ``pending``: tickets given to agents earlier
    in this transaction and not yet saved. Round robin moves the team's pointer in the same
    transaction.
    """
    if strategy == Strategy.MANUAL:
        return Choice(None, Reason.of("manual"))
    by = "capacity" if live else strategy
    agents = _lock_online(team_id, only)
    if not agents:
        return Choice(None, Reason.of("none_online", by=by, channel=channel))
    load = Counter(open_tickets([a.pk for a in agents], channel))
    load.update(pending or {})
    free = [a for a in agents if (limit := room(a, channel, live)) is None or load.get(a.pk, 0) < limit]
    if not free:
        return Choice(None, Reason.of("all_full", channel=channel))
    note = Reason()
    if strategy == Strategy.SKILLS:
        free, note = _qualified(free, skills, language)
    if strategy == Strategy.ROUND_ROBIN:
        chosen = _next_in_turn(team_id, free)
        return Choice(chosen, Reason.of("turn", agent=chosen.name) + note)
    lowest = min(_weight(a, load, channel, live) for a in free)
    tied = [a for a in free if _weight(a, load, channel, live) == lowest]
    if len(tied) > 1:
        latest = latest_started([a.pk for a in tied], channel)
        # Never had one in the lookback: idle longest. Then by id, so the choice is stable.
        tied.sort(key=lambda a: (latest.get(a.pk, float("-inf")), a.pk))
    chosen = tied[0]
    count, limit = load.get(chosen.pk, 0), room(chosen, channel, live)
    return Choice(chosen, Reason.of("least_loaded", by=by, channel=channel, count=count, limit=limit) + note)


def _weight(agent: Agent, load: Mapping[int, int], channel: str, live: bool) -> float:
    """An agent's load on the channel as a share of their room there (the count where unlimited)."""
    limit = room(agent, channel, live)
    count = load.get(agent.pk, 0)
    if limit is None or live:
        return float(count)
    return count / limit if limit else float("inf")


def _qualified(agents: list[Agent], skills: Iterable[str], language: str) -> tuple[list[Agent], Reason]:
    required = {s.strip().lower() for s in skills if s.strip()}
    team_skills = set().union(*(agent_skills(a) for a in agents))
    # The ticket's language is a skill only where someone of the team lists languages at all.
    if language and language.lower() in team_skills:
        required.add(language.lower())
    if not required:
        return agents, Reason()
    named = ", ".join(sorted(required))
    qualified = [a for a in agents if required <= agent_skills(a)]
    if qualified:
        return qualified, Reason.of("skilled", skills=named)
    return agents, Reason.of("unskilled", skills=named)


def _next_in_turn(team_id: int, agents: list[Agent]) -> Agent:
    last = TeamRouting.objects.filter(team_id=team_id).values_list("last_assigned_id", flat=True).first()
    chosen = next((a for a in agents if last is not None and a.pk > last), agents[0])
    # update(), not save(): the pointer moves on every ticket and is not a change of the rules.
    TeamRouting.objects.filter(team_id=team_id).update(last_assigned=chosen)
    return chosen
