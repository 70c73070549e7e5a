"""An admin writes business hours in the browser, fixes a mistake, and checks them with the due-time preview."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from hub.models import BusinessCalendar, Role
from hub.tests.factories import AgentFactory
from tests.browser.axe import assert_accessible

SHOTS = Path(__file__).resolve().parents[2] / "test-results"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_writes_hours_fixes_a_wrong_span_and_previews_a_due_time(new_page) -> None:
    admin = AgentFactory.create(role=Role.ADMIN)
    page: Page = new_page(admin)

    page.goto("/agent/settings/business-hours/")
    expect(page.get_by_role("link", name="Neue Geschäftszeiten")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Neue Geschäftszeiten").click()
    expect(page.locator("#id_name")).to_be_visible()
    assert_accessible(page)
    page.locator("#id_name").fill("Büro München")
    page.get_by_label("Montag").fill("08:00-12:00, 13:00-17:00")
    page.get_by_label("Freitag").fill("17:00-08:00")
    page.get_by_label("Feiertage", exact=True).fill("2026-12-24 Heiligabend")
    page.get_by_label("Gesetzliche Feiertage von").fill("DE-BY")
    page.get_by_role("button", name="Speichern").click()

    expect(page.locator("#id_fri_error")).to_contain_text("17:00–08:00 endet, bevor es beginnt")
    assert_accessible(page)  # with the error shown at its field
    assert not BusinessCalendar.objects.exists()
    page.get_by_label("Freitag").fill("08:00-15:00")
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_role("heading", name="Büro München")).to_be_visible()
    preview = page.locator("#due-preview")
    preview.get_by_label("Beginn").fill("2026-03-27T14:00")
    preview.get_by_label("Geschäftsminuten").fill("120")
    preview.get_by_role("button", name="Berechnen").click()

    # One hour left on Friday, the weekend, then Monday 09:00 in summer time.
    expect(page.locator("#due-answer time")).to_have_attribute("datetime", "2026-03-30T09:00:00+02:00")
    expect(page.locator("#due-answer")).to_contain_text("Montag, 2026-03-30 09:00 (UTC+02:00)")
    expect(page.locator("#id_name")).to_have_value("Büro München")  # the form was not swapped away
    assert_accessible(page)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "business-hours.png"), full_page=True)
    calendar = BusinessCalendar.objects.get()
    assert calendar.hours["fri"] == [["08:00", "15:00"]] and calendar.holiday_region == "DE-BY"
    page.goto("/agent/settings/business-hours/")
    expect(page.locator("#calendars")).to_contain_text("Montag 08:00-12:00, 13:00-17:00")
    assert_accessible(page)
    page.screenshot(path=str(SHOTS / "business-hours-list.png"))
