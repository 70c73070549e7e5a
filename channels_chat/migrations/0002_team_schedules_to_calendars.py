"""The chat's own team schedules become the teams' business calendars; the schedule model goes.

Chat hours were kept apart (``TeamSchedule``: ``hours`` keyed by weekday number, "0" = Monday,
and a ``timezone``); a widget now asks its team's calendar, as SLAs, timers and phone numbers do.

- A team without a calendar gets one named after the team, with the schedule's zone (UTC for one
  that names no known zone, as the chat read it) and its weekly hours; spans that are no
  ``HH:MM`` pair ending after it starts are left out, overlapping ones joined.
- A team that already has a calendar keeps it: those hours now decide its chat too, and the
  schedule is dropped (a warning in the log names the team).
- A schedule without any usable hours (which kept the team's chat off all week) becomes no
  calendar, with a warning: a calendar that is never open is no calendar, and the team is then
  online whenever one of its agents is.

Going back makes a schedule of every team's calendar (weekly hours and zone; holidays and
closures have no place in a schedule).
"""

from __future__ import annotations

import logging
import re
import zoneinfo
from typing import Any

from django.db import migrations

log = logging.getLogger(__name__)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")


def _minutes(value: Any) -> int | None:
    found = CLOCK.match(str(value).strip())
    if found is None or int(found[2]) > 59:
        return None
    total = int(found[1]) * 60 + int(found[2])
    return total if total <= 24 * 60 else None


def _spans(raw: Any) -> list[list[str]]:
    """Usable spans of one day, sorted and joined where they overlap, as ``HH:MM`` pairs."""
    found: list[tuple[int, int]] = []
    for pair in raw if isinstance(raw, list) else []:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            continue
        start, end = _minutes(pair[0]), _minutes(pair[1])
        if start is None or end is None or end <= start or start >= 24 * 60:
            continue
        found.append((start, end))
    joined: list[list[int]] = []
    for start, end in sorted(found):
        if joined and start <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    return [[f"{s // 60:02d}:{s % 60:02d}", f"{e // 60:02d}:{e % 60:02d}"] for s, e in joined]


def week_of(hours: Any) -> dict[str, list[list[str]]]:
    """A schedule's ``{"0": [["09:00", "17:00"]], …}`` as a calendar's ``{"mon": …, …, "sun": …}``."""
    hours = hours if isinstance(hours, dict) else {}
    return {day: _spans(hours.get(str(n))) for n, day in enumerate(DAYS)}


def schedules_to_calendars(apps: Any, schema_editor: Any) -> None:
    TeamSchedule = apps.get_model("channels_chat", "TeamSchedule")
    BusinessCalendar = apps.get_model("hub", "BusinessCalendar")
    for schedule in TeamSchedule.objects.select_related("team").order_by("pk"):
        team = schedule.team
        if team.calendar_id is not None:
            log.warning("team %s keeps its business calendar; its chat schedule is dropped", team.name)
            continue
        week = week_of(schedule.hours)
        if not any(week.values()):
            log.warning("team %s had a chat schedule without hours: it gets no calendar", team.name)
            continue
        zone = schedule.timezone if schedule.timezone in zoneinfo.available_timezones() else "UTC"
        name, n = team.name[:90], 1
        while BusinessCalendar.objects.filter(name=name).exists():
            n += 1
            name = f"{team.name[:90]} ({n})"
        team.calendar = BusinessCalendar.objects.create(name=name, time_zone=zone, hours=week)
        team.save(update_fields=["calendar"])


def calendars_to_schedules(apps: Any, schema_editor: Any) -> None:
    TeamSchedule = apps.get_model("channels_chat", "TeamSchedule")
    Team = apps.get_model("hub", "Team")
    for team in Team.objects.exclude(calendar=None).select_related("calendar"):
        hours = team.calendar.hours or {}
        TeamSchedule.objects.update_or_create(
            team=team,
            defaults={
                "timezone": team.calendar.time_zone,
                "hours": {str(n): hours.get(day) or [] for n, day in enumerate(DAYS) if hours.get(day)},
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("channels_chat", "0001_initial"),
        ("hub", "0013_business_calendars"),
    ]

    operations = [
        migrations.RunPython(schedules_to_calendars, calendars_to_schedules),
        migrations.DeleteModel(name="TeamSchedule"),
    ]
