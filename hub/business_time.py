"""Business time: when N business minutes after a moment end, and how many lie between two moments.

Pure (no database, no settings): ``hub.calendars`` builds a ``Calendar`` from a stored
``BusinessCalendar``; SLA due times, routing timers, chat and phone hours all ask it.

How it counts, and why:
- Weekly hours are wall-clock spans in the calendar's zone (several per day; ``24:00`` ends a
  day, so ``00:00–24:00`` every day is a 24/7 calendar with no gap at midnight: the spans of
  neighbouring days are merged).
- Each span is turned into real instants on its date, so a span on the day clocks go forward
  is an hour shorter and on the day they go back an hour longer: business minutes are minutes
  that really pass while the business is open. A span starting or ending at a wall time that
  does not exist (inside the spring gap) starts or ends when the clock first shows a later
  time; a repeated wall time (autumn) means its first occurrence.
- Holidays (explicit dates, and the public holidays of a region such as ``DE-BY`` from the
  ``holidays`` package) close whole local days; one-off closures cut out any stretch of instants.
- ``add`` and ``between`` are exact inverses (to the second): ``between(t, add(t, d)) == d``.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_package

from hub.text import whole_number

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
# How far ``add`` and ``next_open`` look ahead before deciding the calendar never opens (a
# calendar whose every day is a holiday, or closed by one long closure).
HORIZON_DAYS = 366 * 5

Span = tuple[int, int]  # minutes of the local day, [start, end), end <= 1440
Interval = tuple[datetime, datetime]  # UTC instants, [start, end)


class NeverOpen(ValueError):
    """The calendar has no business time within the horizon: a due time cannot be computed."""


@functools.lru_cache(maxsize=256)
def region_holidays(region: str, year: int) -> dict[date, str]:
    """The public holidays of ``region`` ("DE", "DE-BY", "AT-9") in ``year``, by date.

    Raises ``ValueError`` naming the problem for a region the ``holidays`` package does not know.
    """
    country, _, subdivision = region.partition("-")
    try:
        found = holidays_package.country_holidays(country.upper(), subdiv=subdivision.upper() or None, years=year)
    except NotImplementedError:
        raise ValueError(f"unknown holiday country {country!r}") from None
    return dict(found.items())


def check_region(region: str) -> None:
    """Raise ``ValueError`` with a readable reason unless ``region`` names known holidays."""
    region_holidays(region, date.today().year)


def _wall_to_utc(day: date, minute: int, zone: ZoneInfo) -> datetime:
    """The instant the clock in ``zone`` first shows ``minute`` of ``day`` (or a later time)."""
    if minute >= DAY_MINUTES:
        day, minute = day + timedelta(days=1), minute - DAY_MINUTES
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # ``wall`` falls into the gap when clocks go forward: the span starts at the jump itself,
    # the first instant whose wall time is not earlier than ``wall``.
    low, high = wall.replace(tzinfo=zone, fold=1).astimezone(UTC), instant
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).replace(tzinfo=None) < wall:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("business time needs aware datetimes")
    return moment.astimezone(UTC)


def _subtract(intervals: Iterable[Interval], cuts: tuple[Interval, ...]) -> Iterator[Interval]:
    for start, end in intervals:
        pieces = [(start, end)]
        for cut_start, cut_end in cuts:
            pieces = [
                part
                for piece_start, piece_end in pieces
                for part in ((piece_start, min(piece_end, cut_start)), (max(piece_start, cut_end), piece_end))
                if part[0] < part[1]
            ]
        yield from pieces


@dataclass(frozen=True)
class Calendar:
    """Weekly hours in a zone, less holidays and closures. ``ALWAYS`` counts every minute."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    # Seven entries, Monday first; each a sorted tuple of non-overlapping spans.
    week: tuple[tuple[Span, ...], ...] = (((0, DAY_MINUTES),),) * 7
    holidays: frozenset[date] = frozenset()
    region: str = ""
    closures: tuple[Interval, ...] = ()

    @property
    def always_open(self) -> bool:
        return (
            all(spans == ((0, DAY_MINUTES),) for spans in self.week)
            and not self.holidays
            and not self.region
            and not self.closures
        )

    def is_holiday(self, day: date) -> bool:
        return day in self.holidays or (bool(self.region) and day in region_holidays(self.region, day.year))

    def _day(self, day: date) -> list[Interval]:
        if self.is_holiday(day):
            return []
        return [(_wall_to_utc(day, s, self.zone), _wall_to_utc(day, e, self.zone)) for s, e in self.week[day.weekday()]]

    def _merged(self, since: datetime) -> Iterator[Interval]:
        """Open stretches, merged across midnight, in order, from the local day of ``since``."""
        day = since.astimezone(self.zone).date()
        pending: Interval | None = None
        for _ in range(HORIZON_DAYS):
            for start, end in self._day(day):
                if start >= end:
                    continue
                if pending is not None and start <= pending[1]:
                    pending = (pending[0], max(pending[1], end))
                    continue
                if pending is not None:
                    yield pending
                pending = (start, end)
            day += timedelta(days=1)
        if pending is not None:
            yield pending

    def intervals(self, since: datetime) -> Iterator[Interval]:
        """The open stretches that end after ``since``, in order (clipped by nothing)."""
        since = _utc(since)
        for start, end in _subtract(self._merged(since), self.closures):
            if end > since:
                yield start, end

    def add(self, start: datetime, amount: timedelta) -> datetime:
        """The instant (UTC) at which ``amount`` of business time after ``start`` has passed."""
        # In UTC throughout: Python subtracts two datetimes of the same zone by their wall
        # clocks, which is an hour off across a change of offset.
        start = _utc(start)
        if amount <= timedelta(0) or self.always_open:
            return start + max(amount, timedelta(0))
        left = amount
        for open_at, close_at in self.intervals(start):
            begin = max(open_at, start)
            if begin + left <= close_at:
                return begin + left
            left -= close_at - begin
        raise NeverOpen(f"no business time within {HORIZON_DAYS} days of {start.isoformat()}")

    def add_minutes(self, start: datetime, minutes: int) -> datetime:
        return self.add(start, timedelta(minutes=minutes))

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The business time in [start, end); zero if ``end`` is not after ``start``."""
        start, end = _utc(start), _utc(end)
        if end <= start:
            return timedelta(0)
        if self.always_open:
            return end - start
        total = timedelta(0)
        for open_at, close_at in self.intervals(start):
            if open_at >= end:
                break
            total += min(close_at, end) - max(open_at, start)
        return total

    def minutes_between(self, start: datetime, end: datetime) -> int:
        return int(self.between(start, end).total_seconds() // 60)

    def inside(self, at: datetime) -> bool:
        at = _utc(at)
        if self.always_open:
            return True
        for open_at, close_at in self.intervals(at):
            return open_at <= at < close_at
        return False

    def next_open(self, at: datetime) -> datetime:
        """``at`` if the business is open then, else the instant (UTC) it opens next."""
        at = _utc(at)
        if self.always_open:
            return at
        for open_at, _close_at in self.intervals(at):
            return max(open_at, at)
        raise NeverOpen(f"no business time within {HORIZON_DAYS} days of {at.isoformat()}")


ALWAYS = Calendar()


def parse_clock(value: str, *, end: bool = False) -> int:
    """Minutes of the day of ``"HH:MM"``; ``"24:00"`` only as an end. ``ValueError`` otherwise."""
    hours, sep, minutes = value.partition(":")
    hour, minute = whole_number(hours, 2), whole_number(minutes, 2)
    if not sep or hour is None or minute is None or len(minutes) != 2:
        raise ValueError(f"{value!r} is not a time of day (HH:MM)")
    total = hour * 60 + minute
    if minute > 59 or total > DAY_MINUTES or (total == DAY_MINUTES and not end):
        raise ValueError(f"{value!r} is not a time of day (00:00–24:00)")
    return total


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def week_of(hours: dict[str, list[list[str]]]) -> tuple[tuple[Span, ...], ...]:
    """Weekly hours ``{"mon": [["08:00", "12:00"], ["13:00", "17:00"]], …}`` as spans.

    A day left out or with no spans is closed. Raises ``ValueError`` naming the day and span for
    an unknown day, a span that ends before it starts, or spans that overlap.
    """
    unknown = sorted(set(hours) - set(DAYS))
    if unknown:
        raise ValueError(f"unknown day {unknown[0]!r}; days are {', '.join(DAYS)}")
    week: list[tuple[Span, ...]] = []
    for day in DAYS:
        spans: list[Span] = []
        for pair in hours.get(day) or []:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise ValueError(f"{day}: a span is a pair of times [start, end], not {pair!r}")
            start, end = parse_clock(str(pair[0])), parse_clock(str(pair[1]), end=True)
            if end <= start:
                raise ValueError(f"{day}: {pair[0]}–{pair[1]} ends before it starts")
            spans.append((start, end))
        spans.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
            if s2 < e1:
                raise ValueError(f"{day}: {clock(s2)} starts before the span before it ends ({clock(e1)})")
        week.append(tuple(spans))
    return tuple(week)


def build(
    time_zone: str,
    hours: dict[str, list[list[str]]],
    holidays: Iterable[date] = (),
    region: str = "",
    closures: Iterable[Interval] = (),
) -> Calendar:
    """A ``Calendar`` from stored parts; ``ValueError`` naming what is wrong."""
    try:
        zone = ZoneInfo(time_zone)
    except (ValueError, KeyError):
        raise ValueError(f"unknown time zone {time_zone!r}") from None
    week = week_of(hours)
    if not any(week):
        raise ValueError("the calendar is never open: give at least one day hours")
    if region:
        check_region(region)
    cuts = tuple(sorted((s.astimezone(UTC), e.astimezone(UTC)) for s, e in closures if e > s))
    return Calendar(zone=zone, week=week, holidays=frozenset(holidays), region=region, closures=cuts)
