"""Upgrading gives a number with a schedule of its own a business calendar of its own (migration 0002)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from channels_phone.models import PhoneNumber

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("channels_phone", "0001_initial")
AFTER = ("channels_phone", "0002_number_calendars")


@pytest.fixture
def old_apps() -> Iterator[Any]:
    """The models before the upgrade (other apps at their latest); the latest state again afterwards."""
    MigrationExecutor(connection).migrate([BEFORE])
    loader = MigrationExecutor(connection).loader
    nodes = [node for node in loader.graph.leaf_nodes() if node[0] != "channels_phone"] + [BEFORE]
    try:
        yield loader.project_state(nodes).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@override_settings(TIME_ZONE="Europe/Berlin")
def test_a_number_s_schedule_becomes_its_own_calendar_and_one_without_follows_its_team(old_apps: Any) -> None:
    Team = old_apps.get_model("hub", "Team")
    Number = old_apps.get_model("channels_phone", "PhoneNumber")
    support = Team.objects.create(name="Support", slug="support")
    Number.objects.create(
        number="+4930901820",
        name="Hotline",
        provider="outbox",
        team=support,
        business_hours={"mon": [["08:00", "12:00"], ["11:00", "18:00"]], "sat": [["10:00", "8:00"]]},
        time_zone="Europe/Vienna",
    )
    Number.objects.create(
        number="+4930901821", provider="outbox", team=support, business_hours={"fri": [["9:00", "13:00"]]}
    )
    Number.objects.create(number="+4930901822", provider="outbox", team=support)
    Number.objects.create(number="+4930901823", provider="outbox", team=support, business_hours={"tue": [["x", "y"]]})

    MigrationExecutor(connection).migrate([AFTER])

    hotline = PhoneNumber.objects.select_related("calendar").get(number="+4930901820")
    assert hotline.calendar is not None
    assert (hotline.calendar.name, hotline.calendar.time_zone) == ("Hotline", "Europe/Vienna")
    assert hotline.calendar.hours["mon"] == [["08:00", "18:00"]]  # overlapping spans joined
    assert hotline.calendar.hours["sat"] == []  # a span that ends before it starts left out
    hotline.calendar.business_time()
    unnamed = PhoneNumber.objects.select_related("calendar").get(number="+4930901821")
    assert unnamed.calendar is not None
    assert (unnamed.calendar.name, unnamed.calendar.time_zone) == ("+4930901821", "Europe/Berlin")
    assert unnamed.calendar.hours["fri"] == [["09:00", "13:00"]]
    assert PhoneNumber.objects.get(number="+4930901822").calendar is None
    assert PhoneNumber.objects.get(number="+4930901823").calendar is None
