"""A number's weekly business hours, until the SLA issue brings the teams' calendars.

Stored as ``{"mon": [["08:00", "12:00"], ["13:00", "17:00"]], …}`` in the number's time zone;
a day not named is closed; an empty schedule is always open.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from pydantic import BaseModel, ConfigDict, RootModel, field_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Span(RootModel[tuple[time, time]]):
    @field_validator("root")
    @classmethod
    def _ordered(cls, value: tuple[time, time]) -> tuple[time, time]:
        if value[0] >= value[1]:
            raise ValueError(f"{value[0]:%H:%M} is not before {value[1]:%H:%M}")
        return value


class WeeklyHours(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    mon: tuple[Span, ...] = ()
    tue: tuple[Span, ...] = ()
    wed: tuple[Span, ...] = ()
    thu: tuple[Span, ...] = ()
    fri: tuple[Span, ...] = ()
    sat: tuple[Span, ...] = ()
    sun: tuple[Span, ...] = ()

    @property
    def always_open(self) -> bool:
        return not any(getattr(self, day) for day in DAYS)

    def spans(self, weekday: int) -> tuple[tuple[time, time], ...]:
        return tuple(span.root for span in getattr(self, DAYS[weekday]))


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def parse(schedule: object) -> WeeklyHours:
    """The schedule as stored; raises pydantic's ValidationError on a malformed one."""
    return WeeklyHours.model_validate(schedule or {})


def is_open(hours: WeeklyHours, at: datetime, tz: ZoneInfo) -> bool:
    if hours.always_open:
        return True
    local = at.astimezone(tz)
    now = local.time()
    return any(start <= now < end for start, end in hours.spans(local.weekday()))


def next_open(hours: WeeklyHours, at: datetime, tz: ZoneInfo) -> datetime:
    """``at`` when open then, else the next opening time (within a week; ``at`` if none)."""
    if is_open(hours, at, tz):
        return at
    local = at.astimezone(tz)
    for offset in range(8):
        day = (local + timedelta(days=offset)).date()
        for start, _end in hours.spans(day.weekday()):
            opening = datetime.combine(day, start, tzinfo=tz)
            if opening > local:
                return opening
    return at


def add_open_minutes(hours: WeeklyHours, at: datetime, tz: ZoneInfo, minutes: int) -> datetime:
    """The time ``minutes`` of opening time after ``at`` (a callback due by then)."""
    if hours.always_open:
        return at + timedelta(minutes=minutes)
    left = timedelta(minutes=minutes)
    cursor = next_open(hours, at, tz).astimezone(tz)
    for _ in range(7 * 4 * 24):  # bounded: a schedule with opening hours gets there in weeks
        spans = hours.spans(cursor.weekday())
        end = next((datetime.combine(cursor.date(), e, tzinfo=tz) for s, e in spans if s <= cursor.time() < e), None)
        if end is None:
            cursor = next_open(hours, cursor + timedelta(seconds=1), tz).astimezone(tz)
            continue
        if cursor + left <= end:
            return cursor + left
        left -= end - cursor
        cursor = next_open(hours, end, tz).astimezone(tz)
    return at + timedelta(minutes=minutes)
