"""A widget is online when an agent of its team is present and the team's business hours are open."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from channels_chat.availability import is_online
from channels_chat.models import Widget
from channels_chat.tests.conftest import ORIGIN
from hub.models import Agent, BusinessCalendar, Team
from hub.models.teams import Presence

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
ALL_DAY = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@pytest.fixture
def online(agent: Agent) -> Agent:
    agent.presence = Presence.ONLINE
    agent.save()
    return agent


def give_hours(team: Team, **fields: object) -> BusinessCalendar:
    fields.setdefault("hours", {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")})
    team.calendar = BusinessCalendar.objects.create(name=f"Hours of {team.name}", time_zone="Europe/Berlin", **fields)
    team.save()
    return team.calendar


def started(widget: Widget) -> bool:
    response = Client().post(
        f"/chat/api/{widget.key}/start", json.dumps({}), content_type="application/json", headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200, response.content
    online: bool = response.json()["online"]
    return online


def test_inside_the_team_s_hours_the_widget_is_online_and_outside_them_not(
    widget: Widget, team: Team, online: Agent
) -> None:
    give_hours(team)

    assert is_online(widget, at("2026-12-07T09:30"))  # a Monday morning
    assert not is_online(widget, at("2026-12-07T17:00"))  # closing time
    assert not is_online(widget, at("2026-12-06T10:00"))  # a Sunday


def test_on_a_holiday_of_the_team_s_calendar_the_widget_is_offline_though_an_agent_is_online(
    widget: Widget, team: Team, online: Agent
) -> None:
    today = timezone.now().astimezone(BERLIN).date()
    give_hours(team, hours=ALL_DAY)
    assert started(widget) is True

    calendar = BusinessCalendar.objects.get()
    calendar.holidays = [{"date": today.isoformat(), "name": "Betriebsausflug"}]
    calendar.save()

    assert started(widget) is False


def test_a_public_holiday_of_the_team_s_state_closes_the_chat(widget: Widget, team: Team, online: Agent) -> None:
    give_hours(team, hours=ALL_DAY, holiday_region="DE-BY")

    assert not is_online(widget, at("2026-01-06T10:00"))  # Epiphany, a holiday in Bavaria
    assert is_online(widget, at("2026-01-07T10:00"))


def test_a_team_without_business_hours_is_available_whenever_an_agent_is(
    widget: Widget, team: Team, agent: Agent
) -> None:
    assert not is_online(widget, at("2026-12-06T03:00"))  # nobody online

    agent.presence = Presence.ONLINE
    agent.save()

    assert is_online(widget, at("2026-12-06T03:00"))
    assert started(widget) is True


def test_open_hours_do_not_make_a_widget_online_without_an_agent(widget: Widget, team: Team, agent: Agent) -> None:
    give_hours(team, hours=ALL_DAY)

    assert not is_online(widget, at("2026-12-07T10:00"))
