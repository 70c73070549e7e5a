"""Business hours of a number and when a missed caller is due a callback."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from channels_phone.hours import add_open_minutes, is_open, next_open, parse

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = {day: [["08:00", "12:00"], ["13:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def test_an_empty_schedule_is_always_open() -> None:
    assert is_open(parse({}), at("2026-12-06T03:00"), BERLIN)


def test_a_weekday_schedule_is_open_in_its_spans_and_closed_at_lunch_and_on_sunday() -> None:
    hours = parse(WEEKDAYS)

    assert is_open(hours, at("2026-12-07T09:30"), BERLIN)  # a Monday
    assert not is_open(hours, at("2026-12-07T12:30"), BERLIN)
    assert not is_open(hours, at("2026-12-06T10:00"), BERLIN)  # a Sunday


def test_after_friday_evening_the_next_opening_is_monday_morning() -> None:
    assert next_open(parse(WEEKDAYS), at("2026-12-04T18:00"), BERLIN) == at("2026-12-07T08:00")


def test_a_callback_due_in_two_hours_of_opening_time_skips_lunch_and_the_weekend() -> None:
    hours = parse(WEEKDAYS)

    assert add_open_minutes(hours, at("2026-12-07T11:00"), BERLIN, 120) == at("2026-12-07T14:00")
    assert add_open_minutes(hours, at("2026-12-04T16:30"), BERLIN, 120) == at("2026-12-07T09:30")


def test_a_malformed_schedule_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError):
        parse({"mon": [["17:00", "08:00"]]})
    with pytest.raises(ValidationError):
        parse({"monday": [["08:00", "17:00"]]})
