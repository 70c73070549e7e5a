"""Settings → Business hours as an admin uses it: write hours as text, fix what is wrong, check the preview."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from frontend.tests.settings_helpers import agent as make_agent
from frontend.tests.settings_helpers import client_for
from hub.models import Agent, AuditEntry, BusinessCalendar, Role, SlaPolicy, Team

pytestmark = pytest.mark.django_db
URL = "/agent/settings/business-hours/"
WEEKDAYS = {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def form(**overrides: str) -> dict[str, str]:
    data = {
        "name": "Büro München",
        "time_zone": "Europe/Berlin",
        "mon": "08:00-12:00, 13:00–17:00",
        "tue": "8:00-17:00",
        "wed": "08:00-17:00",
        "thu": "08:00-17:00",
        "fri": "08:00-15:00",
        "sat": "",
        "sun": "",
        "holidays": "2026-12-24 Heiligabend\n\n2026-12-31 Silvester",
        "holiday_region": "de-by",
        "closures": "2026-12-28 08:00 - 2026-12-28 12:00 Inventur\n2026-12-29",
    }
    data.update(overrides)
    return data


@pytest.fixture
def admin() -> Client:
    return client_for(make_agent(Role.ADMIN, language="en"))


def calendar(name: str = "Büro", **fields: Any) -> BusinessCalendar:
    return BusinessCalendar.objects.create(name=name, time_zone="Europe/Berlin", hours=WEEKDAYS, **fields)


def test_an_admin_writes_business_hours_as_text_and_they_are_stored_as_the_api_shows_them(admin: Client) -> None:
    page = admin.get(f"{URL}new/").content.decode()
    assert 'name="mon"' in page and 'value="08:00-18:00"' in page  # office hours to start from

    saved = admin.post(f"{URL}new/", form())

    assert saved.status_code == 302, saved.content.decode()
    stored = BusinessCalendar.objects.get()
    assert stored.hours["mon"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert stored.hours["tue"] == [["08:00", "17:00"]] and stored.hours["sat"] == []
    assert stored.holidays == [
        {"date": "2026-12-24", "name": "Heiligabend"},
        {"date": "2026-12-31", "name": "Silvester"},
    ]
    assert stored.holiday_region == "DE-BY"
    assert stored.closures == [
        {"start": "2026-12-28T08:00:00+01:00", "end": "2026-12-28T12:00:00+01:00", "reason": "Inventur"},
        {"start": "2026-12-29T00:00:00+01:00", "end": "2026-12-30T00:00:00+01:00", "reason": ""},
    ]
    assert AuditEntry.objects.filter(action="calendar.created", target_label="Büro München").exists()
    detail = admin.get(saved["Location"]).content.decode()
    assert "Created." in detail
    assert "2026-12-28 08:00 - 2026-12-28 12:00 Inventur" in detail  # shown again as it was written


def test_a_change_says_what_changed_and_the_list_shows_the_teams_that_use_the_hours(admin: Client, team: Team) -> None:
    office = calendar()
    team.calendar = office
    team.save()
    values = form(name="Büro", holidays="", holiday_region="", closures="")

    changed = admin.post(f"{URL}{office.pk}/", {**values, "fri": "08:00-13:00"}, follow=True)

    office.refresh_from_db()
    assert office.hours["fri"] == [["08:00", "13:00"]]
    assert "Saved." in changed.content.decode() and "Weekly hours" in changed.content.decode()
    listed = admin.get(URL).content.decode()
    assert "Büro" in listed and "Support" in listed  # the team that uses it
    assert "Friday 08:00-13:00" in listed


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"mon": "18:00-08:00"}, "mon", "18:00–08:00 ends before it starts"),
        ({"tue": "09:00-12:00, 11:00-17:00"}, "tue", "11:00 starts before the span before it ends"),
        ({"wed": "morgens"}, "wed", "“morgens” is no span"),
        ({"thu": "08:00-25:00"}, "thu", "“25:00” is not a time of day"),
        ({"holiday_region": "DE-XY"}, "holiday_region", "DE has no region “XY”"),
        ({"holiday_region": "Bayern"}, "holiday_region", "is no country with known public holidays"),
        ({"holidays": "2026-12-24 Heiligabend\n24.12.2026 Heiligabend"}, "holidays", "Line 2: “24.12.2026” is no date"),
        ({"closures": "nächste Woche"}, "closures", "Line 1: write 2026-12-28 08:00"),
        ({"closures": "2026-12-28 12:00 - 2026-12-28 08:00"}, "closures", "Line 1: the closure ends before it starts"),
        (
            {"closures": "2026-12-28\n2026-03-29 02:30 - 2026-03-29 03:00 Umstellung"},
            "closures",
            "Line 2: 2026-03-29 02:30 does not exist in Europe/Berlin: the clocks are put forward then.",
        ),
    ],
)
def test_a_mistake_is_shown_on_the_field_it_concerns_and_nothing_is_saved(
    admin: Client, change: dict[str, str], field: str, words: str
) -> None:
    answer = admin.post(f"{URL}new/", form(**change))

    assert answer.status_code == 400
    body = answer.content.decode()
    error = body[body.index(f'id="id_{field}_error"') :]
    assert words in error[: error.index("</p>")], body
    assert not BusinessCalendar.objects.exists()


def test_a_week_without_any_hours_is_refused_on_top_of_the_form(admin: Client) -> None:
    closed = {day: "" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}

    answer = admin.post(f"{URL}new/", form(**closed))

    assert answer.status_code == 400
    assert 'class="form-error" role="alert">the calendar is never open' in answer.content.decode()


def test_a_name_that_is_taken_is_refused_on_the_name(admin: Client) -> None:
    calendar(name="Büro München")

    answer = admin.post(f"{URL}new/", form())

    assert answer.status_code == 400
    assert "A calendar named “Büro München” exists already." in answer.content.decode()


def test_the_preview_shows_when_two_business_hours_after_friday_afternoon_are_over(admin: Client) -> None:
    office = calendar(holiday_region="DE-BY")

    page = admin.get(f"{URL}{office.pk}/", {"start": "2026-03-27T17:00", "minutes": "120"}).content.decode()

    # One hour on Friday, the weekend closed, the clocks go forward: Monday 09:00 summer time.
    assert 'datetime="2026-03-30T09:00:00+02:00"' in page
    assert "Monday, 2026-03-30 09:00 (UTC+02:00)" in page
    assert "From Friday, 2026-03-27 17:00 (UTC+01:00)" in page


def test_the_preview_skips_the_state_holiday_and_says_when_the_start_was_closed(admin: Client) -> None:
    office = calendar(holiday_region="DE-BY")

    # Epiphany (6 January) is a holiday in Bavaria; 20:00 on the 5th is after hours.
    page = admin.get(f"{URL}{office.pk}/", {"start": "2026-01-05T20:00", "minutes": "30"}).content.decode()

    assert "Wednesday, 2026-01-07 08:30 (UTC+01:00)" in page
    assert "closed then" in page


def test_a_preview_without_a_usable_start_says_so_on_the_start(admin: Client) -> None:
    office = calendar()

    page = admin.get(f"{URL}{office.pk}/", {"start": "morgen", "minutes": "30"}).content.decode()

    assert "Give a date and a time" in page
    assert "due-answer" not in page


def test_the_screen_speaks_german(team: Team) -> None:
    german = client_for(make_agent(Role.ADMIN, language="de"))
    office = calendar()

    listed = german.get(URL).content.decode()
    wrong = german.post(f"{URL}{office.pk}/", form(name="Büro", mon="18:00-08:00")).content.decode()

    assert "Geschäftszeiten" in listed
    assert "Montag" in wrong and "endet, bevor" in wrong


def test_deleting_hours_a_team_uses_says_what_happens_and_leaves_the_team_always_open(
    admin: Client, team: Team
) -> None:
    office = calendar()
    team.calendar = office
    team.save()

    asked = admin.get(f"{URL}{office.pk}/delete/").content.decode()
    deleted = admin.post(f"{URL}{office.pk}/delete/")

    assert "Support" in asked and "always open" in asked
    assert deleted.status_code == 302
    team.refresh_from_db()
    assert team.calendar is None and not BusinessCalendar.objects.exists()


def test_hours_an_sla_policy_counts_by_are_not_deleted_and_the_policy_is_named(admin: Client) -> None:
    office = calendar()
    SlaPolicy.objects.create(name="Gold", calendar=office)

    asked = admin.get(f"{URL}{office.pk}/delete/").content.decode()
    refused = admin.post(f"{URL}{office.pk}/delete/")

    assert "Gold" in asked and 'type="submit" class="btn btn-danger"' not in asked
    assert refused.status_code == 409
    assert BusinessCalendar.objects.filter(pk=office.pk).exists()


def test_a_lead_may_look_and_preview_but_not_change_and_an_agent_may_not_open_it(agent: Agent) -> None:
    office = calendar()
    lead = client_for(make_agent(Role.LEAD, language="en"))

    looked = lead.get(f"{URL}{office.pk}/", {"start": "2026-03-27T17:00", "minutes": "60"})
    changed = lead.post(f"{URL}{office.pk}/", form(name="Büro", mon=""))

    assert looked.status_code == 200 and "due-answer" in looked.content.decode()
    assert changed.status_code == 403
    assert BusinessCalendar.objects.get().hours["mon"] == [["08:00", "18:00"]]
    assert client_for(agent).get(URL).status_code == 403
