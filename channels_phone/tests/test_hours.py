"""A number's business hours (its own calendar, else its team's) and when a missed caller is due a callback."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from channels_phone.hours import callback_due, is_open
from channels_phone.models import PhoneNumber
from hub.models import BusinessCalendar, Team

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = {day: [["08:00", "12:00"], ["13:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


def hours(name: str, **fields: object) -> BusinessCalendar:
    fields.setdefault("hours", WEEKDAYS)
    return BusinessCalendar.objects.create(name=name, time_zone="Europe/Berlin", **fields)


def test_a_number_without_team_or_hours_is_always_open(number: PhoneNumber) -> None:
    number.team = None
    number.save()

    assert is_open(number, at("2026-12-06T03:00"))


def test_a_number_keeps_its_team_s_hours_open_in_their_spans_and_closed_at_lunch_and_on_sunday(
    number: PhoneNumber, team: Team
) -> None:
    team.calendar = hours("Support")
    team.save()

    assert is_open(number, at("2026-12-07T09:30"))  # a Monday
    assert not is_open(number, at("2026-12-07T12:30"))
    assert not is_open(number, at("2026-12-06T10:00"))  # a Sunday


def test_a_number_s_own_hours_come_before_its_team_s(number: PhoneNumber, team: Team) -> None:
    team.calendar = hours("Support")
    team.save()
    number.calendar = hours("Hotline", hours={"sun": [["10:00", "14:00"]]})
    number.save()

    assert is_open(number, at("2026-12-06T10:00"))
    assert not is_open(number, at("2026-12-07T09:30"))


@override_settings(PHONE_CALLBACK_MINUTES=120)
def test_a_callback_due_in_two_hours_of_opening_time_skips_lunch_the_weekend_and_a_state_holiday(
    number: PhoneNumber, team: Team
) -> None:
    team.calendar = hours("Support", holiday_region="DE-BY")
    team.save()

    assert callback_due(number, at("2026-12-07T11:00")) == at("2026-12-07T14:00")
    assert callback_due(number, at("2026-12-04T16:30")) == at("2026-12-07T09:30")
    # Monday 5 January 2026, 16:30; Tuesday is Epiphany in Bavaria.
    assert callback_due(number, at("2026-01-05T16:30")) == at("2026-01-07T09:30")


@override_settings(PHONE_CALLBACK_MINUTES=120)
def test_hours_that_never_open_again_make_the_callback_due_as_if_always_open(number: PhoneNumber) -> None:
    closed = [{"start": "2026-01-01T00:00:00+00:00", "end": "2040-01-01T00:00:00+00:00", "reason": "geschlossen"}]
    number.calendar = hours("Hotline", closures=closed)
    number.save()

    assert callback_due(number, at("2026-12-07T11:00")) == at("2026-12-07T13:00")
