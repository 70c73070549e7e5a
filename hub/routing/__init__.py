"""Routing of new tickets. Until admin-configured rules exist: the channel's default team.

An interaction whose customer waits for a live agent (``Interaction.wants_agent``: a live chat,
later a call) then goes to an agent of that team with room on its channel (``capacity``);
everything else (mail, forms, a chat left as an offline message) stays in the team's queue.

Routing is split in two so the pipeline's batches can decide before their tickets exist:
``Router.decide`` picks team and agent (set on the ticket before its INSERT, so the row is
written once), ``record`` writes the timeline events once the ticket has its number.
``route`` does both for a ticket that already exists.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from hub import events
from hub.adapters import Interaction
from hub.models import Agent, ChannelSetting, Team, Ticket
from hub.routing.capacity import pick_agent


@dataclass(frozen=True)
class Decision:
    team: Team | None
    assignee: Agent | None
    rule: str


class Router:
    """Routing decisions within one transaction: teams and channel defaults are looked up once,
    and live conversations given to an agent earlier in the same transaction (not yet saved)
    count as load, per channel."""

    def __init__(self) -> None:
        self._teams: dict[str, Team | None] = {}
        self._defaults: dict[str, Team | None] = {}
        self._pending: dict[str, Counter[int]] = {}

    def _team_by_slug(self, slug: str) -> Team | None:
        if slug not in self._teams:
            self._teams[slug] = Team.objects.filter(slug=slug).first()
        return self._teams[slug]

    def _default_team(self, channel: str) -> Team | None:
        if channel not in self._defaults:
            setting = ChannelSetting.objects.filter(channel=channel).select_related("default_team").first()
            self._defaults[channel] = setting.default_team if setting is not None else None
        return self._defaults[channel]

    def decide(self, interaction: Interaction) -> Decision:
        team: Team | None = None
        rule = ""
        if interaction.team_hint:
            team = self._team_by_slug(interaction.team_hint)
            rule = f"team of the {interaction.channel} entry point" if team else ""
        if team is None:
            team = self._default_team(interaction.channel)
            rule = f"default team of channel {interaction.channel}" if team else ""
        if team is None:
            return Decision(None, None, "no default team: left for a lead to route")
        assignee = None
        if interaction.wants_agent:
            pending = self._pending.setdefault(interaction.channel, Counter())
            choice = pick_agent(team.pk, interaction.channel, pending=pending)
            rule = f"{rule}; {choice.rule}"
            assignee = choice.agent
            if assignee is not None:
                pending[assignee.pk] += 1
        return Decision(team, assignee, rule)


def apply(ticket: Ticket, decision: Decision) -> list[str]:
    """Set the decision on the ticket (not saved); the fields it changed."""
    fields = []
    if decision.team is not None:
        ticket.team = decision.team
        fields.append("team")
    if decision.assignee is not None and ticket.assignee_id is None:
        ticket.assignee = decision.assignee
        fields.append("assignee")
    return fields


def record(ticket: Ticket, decision: Decision) -> None:
    """The timeline events of a routing decision already applied to the saved ticket."""
    events.routed(ticket=ticket, team_id=decision.team.pk if decision.team else None, rule=decision.rule)
    if decision.assignee is not None and ticket.assignee_id == decision.assignee.pk:
        events.assigned(ticket=ticket, actor=None, assignee_id=decision.assignee.pk, previous_id=None)


def route(ticket: Ticket, interaction: Interaction, router: Router | None = None) -> None:
    """Give an existing ticket its team (and a live conversation its agent); runs in the caller's transaction."""
    decision = (router or Router()).decide(interaction)
    fields = apply(ticket, decision)
    if fields:
        ticket.save(update_fields=fields)
    record(ticket, decision)
