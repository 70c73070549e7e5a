"""Whether a widget's team can chat now: an agent online and inside the team's weekly hours."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from channels_chat.models import TeamSchedule, Widget
from hub.models import Agent
from hub.models.teams import Presence


def _parse(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def within_hours(schedule: TeamSchedule, now: datetime | None = None) -> bool:
    try:
        zone = ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    local = (now or timezone.now()).astimezone(zone)
    for start, end in schedule.hours.get(str(local.weekday()), []):
        if _parse(start) <= local.time().replace(tzinfo=None) < _parse(end):
            return True
    return False


def is_online(widget: Widget, now: datetime | None = None) -> bool:
    """Online: some agent of the widget's team is present and the team's schedule is open.

    A widget without a team is answered by anyone, so any online agent counts.
    """
    agents = Agent.objects.filter(presence=Presence.ONLINE)
    if widget.team_id is not None:
        agents = agents.filter(teams=widget.team_id)
        schedule = TeamSchedule.objects.filter(team_id=widget.team_id).first()
        if schedule is not None and not within_hours(schedule, now):
            return False
    return agents.exists()
