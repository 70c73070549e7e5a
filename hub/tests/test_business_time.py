"""Due-time arithmetic: what a service team expects of a calendar, on the days it usually breaks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.business_time import ALWAYS, NeverOpen, build

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
LUNCH = {day: [["08:00", "12:00"], ["13:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_minutes_after_closing_time_on_friday_are_counted_from_monday_morning() -> None:
    office = build("Europe/Berlin", OFFICE)
    # Friday 16:00 + 2 business hours: one hour on Friday, one on Monday from 09:00.
    assert office.add_minutes(berlin(2026, 12, 4, 16, 0), 120) == berlin(2026, 12, 7, 10, 0)


def test_a_start_outside_business_hours_waits_for_the_next_opening() -> None:
    office = build("Europe/Berlin", OFFICE)
    assert office.add_minutes(berlin(2026, 12, 5, 3, 0), 30) == berlin(2026, 12, 7, 9, 30)  # Saturday night
    assert office.add_minutes(berlin(2026, 12, 7, 6, 0), 30) == berlin(2026, 12, 7, 9, 30)  # Monday, early
    assert office.next_open(berlin(2026, 12, 7, 18, 0)) == berlin(2026, 12, 8, 9, 0)


def test_a_lunch_break_is_not_counted() -> None:
    lunch = build("Europe/Berlin", LUNCH)
    assert lunch.add_minutes(berlin(2026, 12, 7, 11, 30), 60) == berlin(2026, 12, 7, 13, 30)
    assert lunch.minutes_between(berlin(2026, 12, 7, 8, 0), berlin(2026, 12, 7, 17, 0)) == 8 * 60
    assert not lunch.inside(berlin(2026, 12, 7, 12, 30))


def test_explicit_holidays_and_regional_public_holidays_are_closed_days() -> None:
    office = build("Europe/Berlin", OFFICE, holidays=[date(2026, 12, 24)], region="DE")
    # Wednesday 23 Dec 16:00 + 2 h: Thursday 24th (listed), Friday 25th and Saturday 26th
    # (Christmas, from the region) are closed; Monday 28th 10:00.
    assert office.add_minutes(berlin(2026, 12, 23, 16, 0), 120) == berlin(2026, 12, 28, 10, 0)
    bavaria = build("Europe/Berlin", OFFICE, region="DE-BY")
    berlin_state = build("Europe/Berlin", OFFICE, region="DE-BE")
    epiphany = berlin(2026, 1, 6, 10, 0)  # a Tuesday; a holiday in Bavaria, not in Berlin
    assert not bavaria.inside(epiphany)
    assert berlin_state.inside(epiphany)


def test_a_day_that_closes_early_counts_only_its_short_hours() -> None:
    hours = dict(OFFICE, fri=[["09:00", "13:00"]])
    early = build("Europe/Berlin", hours)
    assert early.add_minutes(berlin(2026, 12, 4, 12, 0), 120) == berlin(2026, 12, 7, 10, 0)


def test_a_calendar_open_all_day_loses_no_minute_at_midnight() -> None:
    nonstop = build("Europe/Berlin", ALL_DAY, holidays=[date(2026, 12, 25)])
    assert nonstop.add_minutes(berlin(2026, 12, 22, 23, 59), 2) == berlin(2026, 12, 23, 0, 1)
    assert nonstop.minutes_between(berlin(2026, 12, 22, 23, 0), berlin(2026, 12, 23, 1, 0)) == 120
    assert nonstop.inside(berlin(2026, 12, 23, 0, 0))
    # The holiday is skipped as a whole day.
    assert nonstop.add_minutes(berlin(2026, 12, 24, 23, 30), 60) == berlin(2026, 12, 26, 0, 30)


def test_the_night_clocks_go_forward_has_one_hour_less_of_business_time() -> None:
    nonstop = build("Europe/Berlin", ALL_DAY)
    sunday = berlin(2026, 3, 29, 0, 0)
    assert nonstop.minutes_between(sunday, berlin(2026, 3, 30, 0, 0)) == 23 * 60
    assert nonstop.add_minutes(berlin(2026, 3, 29, 1, 30), 60) == berlin(2026, 3, 29, 3, 30)
    # Hours that start inside the gap start when the clock jumps.
    odd = build("Europe/Berlin", {"sun": [["02:30", "04:00"]]})
    assert odd.next_open(berlin(2026, 3, 29, 0, 0)) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_the_night_clocks_go_back_has_one_hour_more_of_business_time() -> None:
    nonstop = build("Europe/Berlin", ALL_DAY)
    assert nonstop.minutes_between(berlin(2026, 10, 25, 0, 0), berlin(2026, 10, 26, 0, 0)) == 25 * 60
    office = build("Europe/Berlin", OFFICE)
    # Friday 16:00 CEST + 2 h: Monday 10:00 CET, whatever the offset did on Sunday.
    assert office.add_minutes(berlin(2026, 10, 23, 16, 0), 120) == berlin(2026, 10, 26, 10, 0)


def test_a_calendar_in_another_zone_counts_its_own_wall_clock() -> None:
    new_york = build("America/New_York", OFFICE)
    # 15:00 in Berlin on a Monday is 09:00 in New York: just opening there.
    start = berlin(2026, 12, 7, 15, 0)
    assert not new_york.inside(start - timedelta(minutes=1))
    assert new_york.add_minutes(start, 60) == datetime(2026, 12, 7, 10, 0, tzinfo=ZoneInfo("America/New_York"))


def test_a_target_of_several_weeks_counts_only_open_days() -> None:
    office = build("Europe/Berlin", OFFICE, region="DE")
    # 40 business hours a week: 120 hours are three weeks of office time, plus the holidays.
    due = office.add_minutes(berlin(2026, 12, 7, 9, 0), 120 * 60)
    assert office.minutes_between(berlin(2026, 12, 7, 9, 0), due) == 120 * 60
    # 15 working days from Monday 7 Dec, Christmas Day (Friday 25th) skipped: Monday 28th, 17:00.
    assert due == berlin(2026, 12, 28, 17, 0)


def test_a_one_off_closure_cuts_out_its_stretch() -> None:
    closed = (berlin(2026, 12, 7, 12, 0), berlin(2026, 12, 7, 14, 0))
    office = build("Europe/Berlin", OFFICE, closures=[closed])
    assert office.add_minutes(berlin(2026, 12, 7, 11, 0), 120) == berlin(2026, 12, 7, 15, 0)
    assert not office.inside(berlin(2026, 12, 7, 13, 0))


@pytest.mark.parametrize(
    ("hours", "zone", "region", "problem"),
    [
        ({"mon": [["18:00", "08:00"]]}, "Europe/Berlin", "", "ends before it starts"),
        ({"mon": [["08:00", "12:00"], ["11:00", "13:00"]]}, "Europe/Berlin", "", "starts before"),
        ({"mon": [["8", "12:00"]]}, "Europe/Berlin", "", "not a time of day"),
        ({"mon": [["24:00", "24:00"]]}, "Europe/Berlin", "", "not a time of day"),
        ({"monday": [["08:00", "12:00"]]}, "Europe/Berlin", "", "unknown day"),
        ({}, "Europe/Berlin", "", "never open"),
        (OFFICE, "Mars/Olympus", "", "unknown time zone"),
        (OFFICE, "Europe/Berlin", "XX", "unknown holiday country"),
    ],
)
def test_a_wrong_calendar_is_refused_naming_the_problem(
    hours: dict[str, list[list[str]]], zone: str, region: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        build(zone, hours, region=region)


def test_a_calendar_that_never_opens_again_says_so_instead_of_looping() -> None:
    short = build("Europe/Berlin", OFFICE, closures=[(berlin(2026, 1, 1, 0, 0), berlin(2040, 1, 1, 0, 0))])
    with pytest.raises(NeverOpen):
        short.add_minutes(berlin(2026, 12, 7, 9, 0), 60)


def test_without_a_calendar_every_minute_counts() -> None:
    start = berlin(2026, 12, 5, 23, 0)
    assert ALWAYS.add_minutes(start, 90) == start + timedelta(minutes=90)
    assert ALWAYS.minutes_between(start, start + timedelta(hours=5)) == 300


CALENDARS = [
    build("Europe/Berlin", OFFICE, region="DE-BY"),
    build("Europe/Berlin", LUNCH, holidays=[date(2026, 12, 24), date(2027, 3, 29)]),
    build("Europe/Berlin", ALL_DAY, region="DE"),
    build("America/New_York", dict(OFFICE, sat=[["10:00", "14:00"]])),
    build("Europe/Berlin", {"sun": [["01:30", "03:30"]], "wed": [["00:00", "24:00"]]}),
]
INSTANTS = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), start=INSTANTS, minutes=st.integers(min_value=0, max_value=60 * 24 * 30))
def test_adding_business_minutes_and_measuring_them_back_gives_the_same_number(
    calendar: object, start: datetime, minutes: int
) -> None:
    from hub.business_time import Calendar

    assert isinstance(calendar, Calendar)
    due = calendar.add_minutes(start, minutes)
    assert due >= start
    assert calendar.between(start, due) == timedelta(minutes=minutes)
    if minutes:
        # The due moment is inside business time or at the close of a stretch, never in a gap.
        assert calendar.inside(due - timedelta(seconds=1))


@settings(max_examples=200, deadline=None)
@given(calendar=st.sampled_from(CALENDARS), a=INSTANTS, b=INSTANTS, c=INSTANTS)
def test_business_time_between_moments_adds_up_across_a_middle_moment(
    calendar: object, a: datetime, b: datetime, c: datetime
) -> None:
    from hub.business_time import Calendar

    assert isinstance(calendar, Calendar)
    first, middle, last = sorted((a, b, c))
    assert calendar.between(first, last) == calendar.between(first, middle) + calendar.between(middle, last)
    assert calendar.between(first, last) <= last - first
