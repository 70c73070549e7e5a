"""Admins set up business calendars over ``/api/v1/calendars/`` and check them with the due-time preview."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from hub.models import Agent, AuditEntry, BusinessCalendar, Role, SlaPolicy, Team
from hub.tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/calendars/"
WEEKDAYS = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
OFFICE = {
    "name": "Büro München",
    "time_zone": "Europe/Berlin",
    "hours": {**WEEKDAYS, "sat": [], "sun": []},
    "holidays": ["2026-12-24", {"date": "2026-12-31", "name": "Silvester"}],
    "holiday_region": "de-by",
}
Api = Callable[[Agent], APIClient]


@pytest.fixture
def admin(api_for: Api, admin_agent: Agent) -> APIClient:
    return api_for(admin_agent)


def create(client: APIClient, **changes: Any) -> dict[str, Any]:
    response = client.post(URL, {**OFFICE, **changes}, format="json")
    assert response.status_code == 201, response.json()
    body: dict[str, Any] = response.json()
    return body


def test_an_admin_adds_a_calendar_with_holidays_as_dates_or_named_and_a_state_s_public_holidays(
    admin: APIClient, admin_agent: Agent
) -> None:
    body = create(admin)

    assert body["holidays"] == [{"date": "2026-12-24", "name": ""}, {"date": "2026-12-31", "name": "Silvester"}]
    assert body["holiday_region"] == "DE-BY"
    assert body["hours"]["mon"] == [["08:00", "18:00"]] and body["hours"]["sat"] == []
    assert body["teams"] == []
    calendar = BusinessCalendar.objects.get()
    assert (calendar.name, calendar.time_zone) == ("Büro München", "Europe/Berlin")
    entry = AuditEntry.objects.get(action="calendar.created")
    assert entry.actor == admin_agent and entry.target_label == "Büro München"
    assert [row["name"] for row in admin.get(URL).json()] == ["Büro München"]


def test_a_change_of_the_hours_alone_keeps_the_rest_and_lands_in_the_audit_log(admin: APIClient) -> None:
    pk = create(admin)["id"]

    changed = admin.patch(f"{URL}{pk}/", {"hours": {"mon": [["08:00", "12:00"], ["13:00", "17:00"]]}}, format="json")

    assert changed.status_code == 200, changed.json()
    calendar = BusinessCalendar.objects.get()
    assert calendar.hours["mon"] == [["08:00", "12:00"], ["13:00", "17:00"]] and calendar.hours["tue"] == []
    assert calendar.holiday_region == "DE-BY" and len(calendar.holidays) == 2
    entry = AuditEntry.objects.get(action="calendar.updated")
    assert entry.changes["hours"][0]["mon"] == [["08:00", "18:00"]]


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"hours": {"mon": [["09:00", "12:00"], ["11:00", "17:00"]]}}, "hours", "mon: 11:00 starts before"),
        ({"hours": {"mon": [["18:00", "08:00"]]}}, "hours", "mon: 18:00–08:00 ends before it starts"),
        ({"hours": {"monday": [["08:00", "18:00"]]}}, "hours", "unknown day “monday”"),
        ({"hours": {"mon": [["8 Uhr", "18:00"]]}}, "hours", "“8 Uhr” is not a time of day"),
        ({"hours": {"mon": [], "sun": []}}, "hours", "never open"),
        ({"hours": "Mo-Fr 8-18"}, "hours", "hours map days"),
        ({"time_zone": "Europe/Munich"}, "time_zone", "“Europe/Munich” is no time zone"),
        ({"holiday_region": "XX"}, "holiday_region", "“XX” is no country"),
        ({"holiday_region": "DE-XY"}, "holiday_region", "DE has no region “XY”; its regions are"),
        ({"holidays": ["24.12.2026"]}, "holidays", "“24.12.2026” is not a date"),
        ({"closures": [{"start": "2026-12-28T08:00", "end": "2026-12-28T12:00"}]}, "closures", "offset"),
        (
            {"closures": [{"start": "2026-12-28T12:00+01:00", "end": "2026-12-28T08:00+01:00"}]},
            "closures",
            "ends before it starts",
        ),
        ({"name": "  "}, "name", "blank"),
    ],
)
def test_a_calendar_that_cannot_work_is_refused_with_the_field_and_why(
    admin: APIClient, change: dict[str, Any], field: str, words: str
) -> None:
    response = admin.post(URL, {**OFFICE, **change}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert words in " ".join(response.json()[field]), response.json()
    assert not BusinessCalendar.objects.exists()


def test_a_second_calendar_of_the_same_name_is_refused(admin: APIClient) -> None:
    create(admin)

    again = admin.post(URL, OFFICE, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert again.status_code == 400
    assert "exists already" in again.json()["name"][0]


@pytest.mark.parametrize("role", [Role.LEAD, Role.AGENT, Role.VIEWER])
def test_only_admins_see_or_change_calendars(api_for: Api, role: str) -> None:
    BusinessCalendar.objects.create(name="Büro", hours=WEEKDAYS)
    client = api_for(AgentFactory.create(role=role))

    assert client.get(URL).status_code == 403
    assert client.post(URL, OFFICE, format="json").status_code == 403


def test_the_preview_counts_across_the_night_clocks_go_forward_in_berlin(admin: APIClient) -> None:
    always = create(admin, name="Rund um die Uhr", hours={day: [["00:00", "24:00"]] for day in OFFICE["hours"]})
    office = create(admin, holiday_region="")

    # 2026-03-29: at 02:00 the clocks jump to 03:00; an hour after 01:30 is 03:30 summer time.
    night = admin.get(f"{URL}{always['id']}/due/", {"start": "2026-03-29T01:30:00+01:00", "minutes": "60"})
    # Friday 17:00 plus two business hours: one on Friday, one on Monday, in summer time.
    weekend = admin.get(f"{URL}{office['id']}/due/", {"start": "2026-03-27T16:00:00Z", "minutes": "120"})

    assert night.status_code == 200, night.json()
    assert night.json() == {"due_at": "2026-03-29T03:30:00+02:00"}
    assert weekend.json() == {"due_at": "2026-03-30T09:00:00+02:00"}


def test_the_preview_skips_the_public_holiday_of_the_calendar_s_state(admin: APIClient) -> None:
    bavaria = create(admin)
    germany = create(admin, name="Büro Berlin", holiday_region="DE")
    # Monday 5 January 2026, 17:00; the 6th is Epiphany in Bavaria, a working day in Berlin.
    query = {"start": "2026-01-05T17:00:00+01:00", "minutes": "120"}

    in_bavaria = admin.get(f"{URL}{bavaria['id']}/due/", query).json()
    in_berlin = admin.get(f"{URL}{germany['id']}/due/", query).json()

    assert in_bavaria == {"due_at": "2026-01-07T09:00:00+01:00"}
    assert in_berlin == {"due_at": "2026-01-06T09:00:00+01:00"}


def test_the_preview_answers_in_the_calendar_s_zone_whatever_the_start_s_offset(admin: APIClient) -> None:
    tokyo = create(admin, name="Tokio", time_zone="Asia/Tokyo", holiday_region="", holidays=[])

    due = admin.get(f"{URL}{tokyo['id']}/due/", {"start": "2026-06-01T00:00:00+00:00", "minutes": "30"}).json()

    assert due == {"due_at": "2026-06-01T09:30:00+09:00"}  # 09:00 in Tokyo when it started


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-03-27T16:00:00", "minutes": 60}, "start"),  # no offset: which 16:00?
        ({"start": "Freitag", "minutes": 60}, "start"),
        ({"minutes": 60}, "start"),
        ({"start": "2026-03-27T16:00:00+01:00", "minutes": "viel"}, "minutes"),
        ({"start": "2026-03-27T16:00:00+01:00", "minutes": -5}, "minutes"),
        ({"start": "2026-03-27T16:00:00+01:00"}, "minutes"),
        ({"start": "9999-12-31T23:00:00+00:00", "minutes": 600}, "start"),
    ],
)
def test_a_preview_with_a_start_or_minutes_that_make_no_sense_is_refused(
    admin: APIClient, query: dict[str, Any], field: str
) -> None:
    pk = create(admin)["id"]

    response = admin.get(f"{URL}{pk}/due/", query)

    assert response.status_code == 400
    assert field in response.json()


def test_deleting_a_calendar_leaves_its_teams_always_open(admin: APIClient, team: Team) -> None:
    pk = create(admin)["id"]
    team.calendar_id = pk
    team.save()
    assert admin.get(f"{URL}{pk}/").json()["teams"] == ["support"]

    response = admin.delete(f"{URL}{pk}/")

    assert response.status_code == 204
    team.refresh_from_db()
    assert team.calendar is None
    entry = AuditEntry.objects.get(action="calendar.deleted")
    assert entry.changes == {"teams": [["Support"], []]}


def test_a_calendar_an_sla_policy_counts_by_is_not_deleted_and_the_answer_names_the_policy(
    admin: APIClient,
) -> None:
    pk = create(admin)["id"]
    SlaPolicy.objects.create(name="Gold", calendar_id=pk)

    response = admin.delete(f"{URL}{pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 409
    assert "Gold" in response.json()["detail"]
    assert BusinessCalendar.objects.filter(pk=pk).exists()
    assert not AuditEntry.objects.filter(action="calendar.deleted").exists()
