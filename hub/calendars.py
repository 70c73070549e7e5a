"""Stored business calendars as ``hub.business_time.Calendar``s: checked on the way in, cached out.

``normalize`` is the one check every way of saving a calendar goes through (the API, the settings
screen, the data migration's callers); ``of`` and ``of_team`` give the arithmetic, built once per
process and calendar version.
"""

from __future__ import annotations

import functools
import logging
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from hub import memo
from hub.business_time import ALWAYS, DAYS, Calendar, build, clock, week_of
from hub.models import BusinessCalendar, Team

log = logging.getLogger(__name__)


def _holidays(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise ValueError(_("holidays are a list of dates"))
    found: dict[str, str] = {}
    for item in value:
        raw, name = (item.get("date"), item.get("name", "")) if isinstance(item, dict) else (item, "")
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            raise ValueError(_("%(value)r is not a date (YYYY-MM-DD)") % {"value": raw}) from None
        found[day.isoformat()] = str(name or "")[:100]
    return [{"date": day, "name": found[day]} for day in sorted(found)]


def _closures(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise ValueError(_("closures are a list of {start, end} pairs"))
    out = []
    for item in value:
        if not isinstance(item, dict):
            raise ValueError(_("a closure is an object with start and end"))
        try:
            start, end = datetime.fromisoformat(str(item.get("start"))), datetime.fromisoformat(str(item.get("end")))
        except ValueError:
            raise ValueError(_("a closure needs a start and an end as ISO 8601 instants")) from None
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError(_("a closure's start and end need a time zone offset"))
        if end <= start:
            raise ValueError(_("a closure ends before it starts"))
        out.append({"start": start.isoformat(), "end": end.isoformat(), "reason": str(item.get("reason") or "")[:200]})
    return sorted(out, key=lambda c: c["start"])


def normalize(
    *, time_zone: str, hours: Any, holidays: Any = (), holiday_region: str = "", closures: Any = ()
) -> dict[str, Any]:
    """The fields of a ``BusinessCalendar`` as they are stored; ``ValueError`` naming the problem."""
    if not isinstance(hours, dict) or any(not isinstance(spans, list) for spans in hours.values()):
        raise ValueError(_('hours map days to lists of [start, end] pairs, e.g. {"mon": [["08:00", "18:00"]]}'))
    week = week_of(hours)  # raises naming the day and span
    cleaned = {
        "time_zone": str(time_zone),
        "hours": {day: [[clock(s), clock(e)] for s, e in spans] for day, spans in zip(DAYS, week, strict=True)},
        "holidays": _holidays(list(holidays)),
        "holiday_region": str(holiday_region or "").upper(),
        "closures": _closures(list(closures)),
    }
    row = BusinessCalendar(**cleaned)
    row.business_time()  # raises ValueError with the reason
    return cleaned


@functools.lru_cache(maxsize=512)
def _built(pk: int, version: datetime, row: BusinessCalendar) -> Calendar:
    del pk, version  # the cache key; ``row`` is compared by identity only on a miss
    return row.business_time()


def of(row: BusinessCalendar | None) -> Calendar:
    """The arithmetic of a stored calendar; always open for none or for one stored broken."""
    if row is None:
        return ALWAYS
    try:
        return _built(row.pk, row.updated_at, row) if row.pk else row.business_time()
    except ValueError as exc:
        log.error("business calendar %s %r is invalid and treated as always open: %s", row.pk, row.name, exc)
        return ALWAYS


def _team_key(team_id: int) -> tuple[str, int]:
    return ("team_with_calendar", team_id)


def remember_teams(teams: list[Team]) -> None:
    """Teams a read-only page has read with their calendars (``select_related("calendar")``):
    ``of_team`` answers from them there (``hub.memo``)."""
    for team in teams:
        memo.remember(_team_key(team.pk), team)


def of_team(team_id: int | None) -> Calendar:
    """The calendar of a team (one query); always open without a team or a calendar."""
    if team_id is None:
        return ALWAYS
    team = memo.cached(_team_key(team_id), lambda: Team.objects.select_related("calendar").filter(pk=team_id).first())
    return of(team.calendar if team is not None else None)


__all__ = ["ALWAYS", "Calendar", "build", "normalize", "of", "of_team", "remember_teams"]
