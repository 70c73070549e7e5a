"""Two agents in two browser contexts: one mentions the other in an internal note, chosen from
the list "@" opens; the colleague's bell counts it at once, and the notification opens the ticket."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from hub.models import Agent, Team, Ticket
from hub.tests.factories import AgentFactory
from hub.tests.fake_channel import FakeChannel
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import incoming, live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_ticket(page: Page, ticket: Ticket) -> None:
    page.goto(f"/agent/v/teams/t/{ticket.pk}/")
    live(page)


def test_a_mention_in_a_note_counts_on_the_colleagues_bell_live_and_opens_the_ticket(
    new_page, agent: Agent, team: Team, other_team: Team, fake_channel: FakeChannel
) -> None:
    jana = AgentFactory.create(teams=[team], user__first_name="Jana", user__last_name="Roth")
    AgentFactory.create(teams=[other_team], user__first_name="Janek", user__last_name="Fremd")
    ticket = incoming("max@example.de", "Wo ist mein Paket?", "m-1", subject="Lieferung fehlt")
    mine, hers = new_page(agent), new_page(jana)
    open_ticket(mine, ticket)
    hers.goto("/agent/v/teams/")
    live(hers)
    bell = hers.locator("#bell-button")
    expect(bell).to_have_attribute("aria-label", "Benachrichtigungen, keine ungelesen")

    # In a reply "@" is just a character; in a note it lists who can see the ticket.
    box = mine.locator("#composer-text")
    box.press_sequentially("max@")
    expect(mine.locator("#mention-list")).to_have_count(0)
    box.fill("")
    mine.locator("label.mode-note").click()
    box.press_sequentially("Bitte @ja")
    options = mine.get_by_role("listbox", name="Agenten zum Erwähnen").get_by_role("option")
    expect(options).to_have_text(["Jana Roth"])  # Janek's team cannot see the ticket
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.first).to_have_attribute("aria-selected", "true")
    # The list and the field it belongs to (the note switch's own colours are the composer's).
    assert_accessible(mine)
    box.press("Enter")
    expect(box).to_have_value(f"Bitte @[Jana Roth](agent:{jana.pk}) ")
    # The list is closed and the field a plain textbox again, without the combobox's states.
    expect(box).not_to_have_attribute("role", "combobox")
    assert box.get_attribute("aria-expanded") is None
    box.press_sequentially("die Adresse prüfen")
    box.press("Control+Enter")
    expect(box).to_have_value("")
    expect(mine.locator("#timeline .note .mention")).to_have_text("@Jana Roth")

    # Jana's bell counts it without a reload.
    expect(bell).to_have_attribute("aria-label", "Benachrichtigungen, 1 ungelesen")
    expect(bell.locator(".bell-count")).to_have_text("1")
    bell.click()
    dialog = hers.get_by_role("dialog", name="Benachrichtigungen")
    expect(dialog).to_be_visible()
    item = dialog.get_by_role("button", name=re.compile(r"hat Sie in #\d+ Lieferung fehlt erwähnt"))
    expect(item).to_be_focused()
    expect(bell).to_have_attribute("aria-expanded", "true")
    assert_accessible(hers)
    hers.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(bell).to_be_focused()

    bell.press("Enter")
    item.click()

    expect(hers).to_have_url(re.compile(rf"/t/{ticket.pk}/"))
    expect(hers.locator("#timeline")).to_contain_text("die Adresse prüfen")
    expect(hers.locator("#bell-button")).to_have_attribute("aria-label", "Benachrichtigungen, keine ungelesen")
    assert_accessible(hers)


def test_an_agent_turns_on_browser_notifications_on_their_own_settings_page(new_page, agent: Agent) -> None:
    page = new_page(agent)
    page.context.grant_permissions(["notifications"])
    page.goto("/agent/notifications/settings/")

    expect(page.get_by_role("heading", name="Ihre Benachrichtigungen")).to_be_visible()
    expect(page.get_by_role("link", name="Benachrichtigungen", exact=True)).to_have_attribute("aria-current", "page")
    assert_accessible(page)
    page.get_by_role("button", name="Browser-Benachrichtigungen erlauben").click()
    expect(page.locator("[data-notification-permission]")).to_have_text(
        "Ihr Browser zeigt Benachrichtigungen des Hubs an."
    )
    page.get_by_label("Browser-Benachrichtigungen").check()
    page.get_by_role("button", name="Speichern").click()

    expect(page.get_by_text("Ihre Benachrichtigungseinstellungen sind gespeichert.")).to_be_visible()
    expect(page.get_by_label("Browser-Benachrichtigungen")).to_be_checked()
    expect(page.locator("#bell-button")).to_have_attribute("data-browser", "1")
