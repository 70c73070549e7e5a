"""Routing of new tickets. Until admin-configured rules exist: the channel's default team."""

from __future__ import annotations

from hub import events
from hub.channels import Interaction
from hub.models import ChannelSetting, Team, Ticket


def route(ticket: Ticket, interaction: Interaction) -> None:
    team: Team | None = None
    rule = ""
    if interaction.team_hint:
        team = Team.objects.filter(slug=interaction.team_hint).first()
        rule = f"team of the {interaction.channel} entry point" if team else ""
    if team is None:
        setting = ChannelSetting.objects.filter(channel=interaction.channel).select_related("default_team").first()
        if setting is not None and setting.default_team is not None:
            team = setting.default_team
            rule = f"default team of channel {interaction.channel}"
    if team is None:
        events.routed(ticket=ticket, team_id=None, rule="no default team: left for a lead to route")
        return
    ticket.team = team
    ticket.save(update_fields=["team"])
    events.routed(ticket=ticket, team_id=team.pk, rule=rule)
