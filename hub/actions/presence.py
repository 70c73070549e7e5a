"""Agents' presence: online, away or offline, set by themselves or by the hub: away after their
workspace saw no keyboard or mouse for the account's idle minutes, or sent no heartbeat at all;
online when they sign in or return to a workspace while the hub holds their presence (a new
agent starts "offline" so), never after "away" or "offline" they chose.

Only online agents are given tickets (``hub.routing.assignment``), and the chat widget shows
itself available while an agent of its team is online. An agent who leaves "online" hands
their live conversations (a chat whose visitor is still there) back: each goes to another
online agent of its team with room, or to the team queue, with a routed event saying why.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from hub import events, realtime
from hub.adapters import UnknownChannel, get_adapter, registered
from hub.models import Account, Agent, Ticket
from hub.models.teams import Presence
from hub.models.tickets import OPEN_STATUSES
from hub.realtime import agent_group
from hub.routing import assignment
from hub.routing.reasons import Reason

log = logging.getLogger(__name__)


def away_after() -> timedelta:
    """Without a heartbeat for this long (the workspace sends one a minute while open), an online
    agent is set away (``PRESENCE_AWAY_AFTER_SECONDS``)."""
    return timedelta(seconds=settings.PRESENCE_AWAY_AFTER_SECONDS)


def do_set_presence(
    agent: Agent,
    presence: str,
    *,
    reason: Reason | None = None,
    auto: bool = False,
    expected: tuple[str, bool] | None = None,
) -> Agent:
    """Set the agent's presence; leaving "online" hands their live conversations back.
    ``auto``: the hub sets it, not the agent (see the module's doc). ``expected``: the
    (presence, auto) the decision was made on; if the row holds another by the time it is
    locked (the agent chose meanwhile), nothing changes and ``agent`` gets the row's.

    Locking: the agent's row (``SELECT … FOR NO KEY UPDATE``, as routing locks it) in one
    transaction; the hand-back in a second one, which locks the tickets and the agents who may
    take them, so no lock on this agent is held while others are taken (no cycle with routing).
    ValueError for an unknown presence.
    """
    if presence not in Presence.values:
        raise ValueError(f"unknown presence {presence!r}")
    with transaction.atomic():
        locked = Agent.objects.select_for_update(no_key=True).select_related("user").get(pk=agent.pk)
        if expected is not None and (locked.presence, locked.presence_auto) != expected:
            agent.presence, agent.presence_auto = locked.presence, locked.presence_auto
            return agent
        previous = locked.presence
        locked.presence = presence
        locked.presence_auto = auto
        locked.last_seen_at = timezone.now()
        locked.save(update_fields=["presence", "presence_auto", "last_seen_at"])
        realtime.send_on_commit(
            [agent_group(locked.pk)], {"type": "hub.event", "event": "presence", "presence": presence, "version": 0}
        )
    if previous == Presence.ONLINE and presence != Presence.ONLINE:
        with transaction.atomic():
            _hand_back(locked, reason or Reason.of("left", agent=locked.name, presence=presence))
    agent.presence, agent.presence_auto = locked.presence, locked.presence_auto
    agent.last_seen_at = locked.last_seen_at
    return agent


# Input this recent is the agent at their desk: a workspace the hub set away comes back online
# (at most half the idle minutes, so a beat just after being set away cannot undo it).
BACK_WITHIN = timedelta(seconds=60)


def do_seen(agent: Agent, idle: timedelta | None = None, *, returned: bool = False) -> None:
    """The agent's workspace is open (its heartbeat), its last keyboard or mouse input (or its
    loading) ``idle`` ago (None: not said); ``returned``: the tab has seen input since it loaded.

    Keeps an online agent from being set away as quiet; sets one idle for the account's
    ``idle_away_minutes`` away, and brings one the hub set away back online on input. The latest
    input of all the agent's tabs counts, so an idle tab beside a busy one sets nobody away. The
    decision is checked again under the agent's row lock (``expected``); ``agent`` ends with the
    presence the row holds.
    """
    now = timezone.now()
    if idle is None:
        Agent.objects.filter(pk=agent.pk).update(last_seen_at=now)
        return
    said = now - idle
    Agent.objects.filter(pk=agent.pk).update(
        last_seen_at=now, last_input_at=Greatest(Coalesce(F("last_input_at"), Value(said)), Value(said))
    )
    latest = Agent.objects.values_list("last_input_at", flat=True).get(pk=agent.pk) or said
    idle = now - latest
    minutes = Account.current().idle_away_minutes
    limit = timedelta(minutes=minutes)
    was = (agent.presence, agent.presence_auto)
    if agent.presence == Presence.ONLINE and minutes and idle >= limit:
        reason = Reason.of("idle", agent=agent.name)
        do_set_presence(agent, Presence.AWAY, reason=reason, auto=True, expected=was)
    elif agent.presence != Presence.ONLINE and agent.presence_auto and returned and idle < _back_within(limit):
        do_set_presence(agent, Presence.ONLINE, auto=False, expected=was)


def do_sign_in(agent: Agent) -> None:
    """The agent signed in: online, when the hub holds their presence (a new agent, or one the
    hub set away or offline); a presence they chose stays. Viewers and deactivated agents take
    no tickets or chats, so theirs stays too."""
    if agent.presence == Presence.ONLINE or not agent.presence_auto or not agent.can_change:
        return
    do_set_presence(agent, Presence.ONLINE, auto=False, expected=(agent.presence, True))


def _back_within(limit: timedelta) -> timedelta:
    return min(BACK_WITHIN, limit / 2) if limit else BACK_WITHIN


def do_set_quiet_agents_away() -> int:
    """Set away every online agent whose workspace sent no heartbeat for ``away_after()``."""
    cutoff = timezone.now() - away_after()
    quiet = Agent.objects.filter(presence=Presence.ONLINE, last_seen_at__lt=cutoff).select_related("user")
    count = 0
    for agent in quiet:
        do_set_presence(agent, Presence.AWAY, reason=Reason.of("quiet", agent=agent.name), auto=True)
        count += 1
    if count:
        log.info("presence: %s quiet agents set away", count)
    return count


def _session_channels() -> list[str]:
    """The channels with live sessions (chat; calls later): only their tickets can be live."""
    return [key for key in registered() if get_adapter(key).capabilities.sessions]


def _live(ticket: Ticket) -> bool:
    try:
        session = get_adapter(ticket.origin_channel).session_of(ticket.pk)
    except UnknownChannel:
        return False
    return session is not None and session.live


def _hand_back(agent: Agent, why: Reason) -> None:
    tickets = (
        Ticket.objects.filter(assignee=agent, status__in=OPEN_STATUSES, origin_channel__in=_session_channels())
        .select_for_update()
        .order_by("pk")
    )
    pending: dict[str, Counter[int]] = {}
    for ticket in [t for t in tickets if _live(t)]:
        chosen = None
        rule = why + Reason.of("back_to_queue")
        if ticket.team_id is not None:
            counts = pending.setdefault(ticket.origin_channel, Counter())
            choice = assignment.pick(
                ticket.team_id, ticket.origin_channel, strategy="least_loaded", live=True, pending=counts
            )
            if choice.agent is not None and choice.agent.pk != agent.pk:
                chosen = choice.agent
                counts[chosen.pk] += 1
                rule = why + choice.why
        Ticket.objects.filter(pk=ticket.pk).update(assignee=chosen, updated_at=timezone.now(), version=F("version") + 1)
        ticket.assignee = chosen
        ticket.refresh_from_db(fields=["version"])
        events.routed(ticket=ticket, team_id=ticket.team_id, why=rule)
        events.assigned(ticket=ticket, actor=None, assignee_id=chosen.pk if chosen else None, previous_id=agent.pk)
        realtime.ticket_changed(ticket, "ticket.updated", extra_groups=[agent_group(agent.pk)])
