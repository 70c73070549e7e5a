"""A team's business hours: whether a moment is inside them, and when N business minutes end.

Stored on ``TeamRouting.business_hours`` as ``{"timezone": "Europe/Berlin", "days": {"mon":
[["09:00", "17:00"]], …}}``; a team without hours is always open (every minute counts).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, field_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class BusinessHours(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "UTC"
    days: dict[str, tuple[tuple[time, time], ...]] = {}

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(_("unknown time zone %(zone)r") % {"zone": value}) from None
        return value

    @field_validator("days")
    @classmethod
    def _spans(cls, value: dict[str, tuple[tuple[time, time], ...]]) -> dict[str, tuple[tuple[time, time], ...]]:
        for day, spans in value.items():
            if day not in DAYS:
                raise ValueError(_("unknown day %(day)r; days are %(days)s") % {"day": day, "days": ", ".join(DAYS)})
            for start, end in spans:
                if end <= start:
                    raise ValueError(
                        _("%(day)s: %(start)s–%(end)s ends before it starts")
                        % {"day": day, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
                    )
        return value

    @property
    def always_open(self) -> bool:
        return not self.days

    def _spans_on(self, day: datetime) -> list[tuple[datetime, datetime]]:
        zone = ZoneInfo(self.timezone)
        spans = self.days.get(DAYS[day.weekday()], ())
        return [
            (datetime.combine(day.date(), start, zone), datetime.combine(day.date(), end, zone)) for start, end in spans
        ]

    def inside(self, at: datetime) -> bool:
        if self.always_open:
            return True
        local = at.astimezone(ZoneInfo(self.timezone))
        return any(start <= local < end for start, end in self._spans_on(local))

    def add_minutes(self, start: datetime, minutes: int) -> datetime:
        """The moment ``minutes`` business minutes after ``start`` have passed."""
        if self.always_open:
            return start + timedelta(minutes=minutes)
        left = timedelta(minutes=minutes)
        local = start.astimezone(ZoneInfo(self.timezone))
        day = local
        for _day in range(366 * 2):  # a week without hours is skipped; two years bound a bad config
            for span_start, span_end in self._spans_on(day):
                begin = max(span_start, local)
                if begin >= span_end:
                    continue
                if begin + left <= span_end:
                    return begin + left
                left -= span_end - begin
            day = datetime.combine(day.date() + timedelta(days=1), time(0), day.tzinfo)
            local = day
        return start + timedelta(days=366 * 2)


ALWAYS = BusinessHours()


def parse(value: Any) -> BusinessHours:
    """The stored hours, or always open for none (a malformed value is refused when saved)."""
    if not value:
        return ALWAYS
    return BusinessHours.model_validate(value)
