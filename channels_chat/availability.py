"""Whether a widget's team can chat now: an agent online, and the team's business hours open."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from channels_chat.models import Widget
from hub.calendars import of_team
from hub.models import Agent
from hub.models.teams import Presence


def is_online(widget: Widget, now: datetime | None = None) -> bool:
    """Online: some agent of the widget's team is present and the team's calendar is open (its
    weekly hours, less holidays and closures; a team without a calendar is always open).

    A widget without a team is answered by anyone, so any online agent counts.
    """
    agents = Agent.objects.assignable().filter(presence=Presence.ONLINE)  # a viewer online answers no one
    if widget.team_id is not None:
        if not of_team(widget.team_id).inside(now or timezone.now()):
            return False
        agents = agents.filter(teams=widget.team_id)
    return agents.exists()
