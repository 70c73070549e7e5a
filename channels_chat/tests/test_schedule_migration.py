"""Upgrading turns each team's chat schedule into the team's business calendar (migration 0002)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from hub.models import BusinessCalendar, Team

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("channels_chat", "0001_initial")
AFTER = ("channels_chat", "0002_team_schedules_to_calendars")


@pytest.fixture
def old_apps() -> Iterator[Any]:
    """The models as they were before the upgrade (every other app at its latest); the
    database is brought back to the latest state afterwards, whatever the test did."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    loader = MigrationExecutor(connection).loader
    nodes = [node for node in loader.graph.leaf_nodes() if node[0] != "channels_chat"] + [BEFORE]
    try:
        yield loader.project_state(nodes).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def upgrade() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([AFTER])


def test_a_team_s_chat_schedule_becomes_its_calendar_and_one_with_a_calendar_keeps_its_own(old_apps: Any) -> None:
    OldTeam = old_apps.get_model("hub", "Team")
    OldCalendar = old_apps.get_model("hub", "BusinessCalendar")
    Schedule = old_apps.get_model("channels_chat", "TeamSchedule")
    support = OldTeam.objects.create(name="Support", slug="support")
    billing = OldTeam.objects.create(name="Billing", slug="billing")
    night = OldTeam.objects.create(name="Nacht", slug="nacht")
    kept = OldCalendar.objects.create(
        name="Billing hours", time_zone="Europe/Berlin", hours={"mon": [["07:00", "15:00"]]}
    )
    billing.calendar = kept
    billing.save()
    OldCalendar.objects.create(name="Support", hours={"sun": [["10:00", "11:00"]]})  # the team's name is taken
    Schedule.objects.create(
        team=support,
        timezone="Europe/Vienna",
        hours={"0": [["09:00", "12:00"], ["13:00", "17:00"]], "4": [["9:00", "15:00"]], "5": [["18:00", "08:00"]]},
    )
    Schedule.objects.create(team=billing, timezone="Europe/Berlin", hours={"0": [["09:00", "17:00"]]})
    Schedule.objects.create(team=night, timezone="Mars/Olympus", hours={})

    upgrade()

    converted = Team.objects.select_related("calendar").get(slug="support").calendar
    assert converted is not None
    assert (converted.name, converted.time_zone) == ("Support (2)", "Europe/Vienna")
    assert converted.hours == {
        "mon": [["09:00", "12:00"], ["13:00", "17:00"]],
        "tue": [],
        "wed": [],
        "thu": [],
        "fri": [["09:00", "15:00"]],
        "sat": [],  # a span that ends before it starts is left out
        "sun": [],
    }
    converted.business_time()  # a calendar the hub can count with
    assert Team.objects.get(slug="billing").calendar_id == kept.pk
    assert BusinessCalendar.objects.get(pk=kept.pk).hours == {"mon": [["07:00", "15:00"]]}
    assert Team.objects.get(slug="nacht").calendar is None
    assert BusinessCalendar.objects.count() == 3
