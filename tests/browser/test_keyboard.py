"""The workspace's single-key shortcuts in a real browser: j/k move through the list, x selects,
Enter opens, n and r switch the composer, e solves, ? lists them all; and none of them fires
while the agent types in a field."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, Route, expect

from hub.models import Agent, Team, Ticket, TicketStatus
from hub.tests.factories import TicketFactory
from hub.tests.fake_channel import FakeChannel
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import incoming, live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def cursor_link(page: Page, ticket: Ticket) -> None:
    expect(page.locator(f"#list .row[data-ticket-id='{ticket.pk}']")).to_have_class(re.compile(r"\bis-cursor\b"))
    expect(page.locator(f"#row-{ticket.pk}")).to_be_focused()


def test_an_agent_works_the_list_and_a_ticket_from_the_keyboard(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    now = timezone.now()
    second, third = (
        TicketFactory.create(
            team=team, subject=f"Tastenfall {n}", status=TicketStatus.OPEN, last_activity_at=now - timedelta(hours=n)
        )
        for n in (1, 2)
    )
    # The newest, from a customer by mail: it can take a reply.
    first = incoming("max@example.de", "Wo bleibt mein Paket?", "m-keys", subject="Tastenfall 0")
    Ticket.objects.filter(pk=first.pk).update(status=TicketStatus.OPEN)
    page = new_page(agent)
    page.goto("/agent/v/teams/")
    live(page)
    expect(page.locator("#list .row")).to_have_count(3)

    page.keyboard.press("j")
    cursor_link(page, first)
    page.keyboard.press("j")
    page.keyboard.press("j")
    cursor_link(page, third)
    page.keyboard.press("k")
    cursor_link(page, second)

    page.keyboard.press("x")
    expect(page.get_by_label(f"Ticket #{second.pk} auswählen")).to_be_checked()
    expect(page.locator("#bulk-count")).to_have_text("1 ausgewählt")
    page.keyboard.press("x")
    expect(page.get_by_label(f"Ticket #{second.pk} auswählen")).not_to_be_checked()
    # From a row's checkbox the keys still work: it takes no text.
    page.get_by_label(f"Ticket #{third.pk} auswählen").check()
    page.keyboard.press("x")
    expect(page.get_by_label(f"Ticket #{third.pk} auswählen")).not_to_be_checked()
    page.keyboard.press("k")
    cursor_link(page, second)
    page.keyboard.press("k")
    cursor_link(page, first)
    page.keyboard.press("Enter")
    expect(page.locator("#ticket")).to_have_attribute("data-ticket-id", str(first.pk))
    expect(page.locator("#ticket-title")).to_be_focused()

    # Typing in the composer: the letters are text, not shortcuts.
    box = page.locator("#composer-text")
    box.click()
    box.press_sequentially("jkx?e")
    expect(box).to_have_value("jkx?e")
    expect(page.locator("#keys-help")).to_be_hidden()
    expect(page.locator("#ctl-status")).to_have_value("open")

    page.locator("#ticket-title").focus()
    page.keyboard.press("n")
    expect(page.locator("#composer input[name=mode][value=note]")).to_be_checked()
    expect(box).to_be_focused()
    page.locator("#ticket-title").focus()
    page.keyboard.press("r")
    expect(page.locator("#composer input[name=mode][value=reply]")).to_be_checked()

    page.locator("#ticket-title").focus()
    page.keyboard.press("a")
    expect(page.locator("#ctl-assignee")).to_have_value(str(agent.pk))
    # "a" leaves the agent where they were, so "e" is a shortcut again at once.
    page.keyboard.press("e")
    expect(page.locator("#ctl-status")).to_have_value("solved")
    expect(page.locator("#announcer")).to_contain_text("Gelöst")

    page.locator("#ticket-title").focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Tastenkürzel")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Nächstes / vorheriges Ticket der Liste")
    assert_accessible(page)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert Ticket.objects.filter(pk=first.pk, status=TicketStatus.SOLVED, assignee=agent).exists()
    assert Ticket.objects.get(pk=second.pk).status == TicketStatus.OPEN


def test_an_agent_switches_single_key_shortcuts_off(new_page, agent: Agent, team: Team) -> None:
    TicketFactory.create(team=team, subject="Ruhig", status=TicketStatus.OPEN)
    page = new_page(agent)
    page.goto("/agent/v/teams/")
    live(page)
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Tastenkürzel")
    dialog.get_by_label("Tastenkürzel mit einzelnen Tasten verwenden").uncheck()
    dialog.get_by_role("button", name="Schließen").click()
    expect(dialog).to_be_hidden()
    page.keyboard.press("j")
    expect(page.locator("#list .row.is-cursor")).to_have_count(0)
    page.reload()
    live(page)
    page.keyboard.press("j")
    expect(page.locator("#list .row.is-cursor")).to_have_count(0)


def test_esc_goes_back_to_the_list_even_before_the_list_has_loaded(new_page, agent: Agent, team: Team) -> None:
    """A reloaded or shared ticket page draws the ticket first and fetches its list after; Esc in
    that moment goes to the list, with the page's sort, not to the ticket's own address again."""
    ticket = TicketFactory.create(team=team, subject="Früh zurück", status=TicketStatus.OPEN)
    page = new_page(agent)
    held: list[Route] = []

    def hold_the_list(route: Route) -> None:
        if route.request.headers.get("hx-target") == "list":
            held.append(route)  # answered only after the test: the list is still loading
        else:
            route.continue_()

    page.route(re.compile(rf"/agent/v/teams/t/{ticket.pk}/"), hold_the_list)
    page.goto(f"/agent/v/teams/t/{ticket.pk}/?sort=due")
    expect(page.locator("#list.is-loading")).to_be_visible()
    page.locator("#ticket-title").focus()
    page.keyboard.press("Escape")

    expect(page).to_have_url(re.compile(r"/agent/v/teams/\?sort=due$"))
    expect(page.locator(f"#row-{ticket.pk}")).to_be_focused()
    expect(page.locator("#ticket-title")).to_have_count(0)
    for route in held:
        route.abort()


def test_status_snooze_tags_and_esc_back_to_the_list_from_the_keyboard(new_page, agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team, subject="Tastenfall", status=TicketStatus.OPEN)
    page = new_page(agent)
    page.goto(f"/agent/v/teams/t/{ticket.pk}/")
    live(page)

    page.locator("#ticket-title").focus()
    page.keyboard.press("s")
    expect(page.locator("#ctl-status")).to_be_focused()
    page.locator("#ticket-title").focus()
    page.keyboard.press("z")
    expect(page.locator("#snooze-menu")).to_have_attribute("open", "")
    page.keyboard.press("Escape")  # closes the menu, and only the menu
    expect(page.locator("#snooze-menu")).not_to_have_attribute("open", "")
    expect(page.locator("#ticket-title")).to_contain_text("Tastenfall")
    page.locator("#ticket-title").focus()
    page.keyboard.press("#")
    expect(page.locator("#tag-input")).to_be_focused()
    expect(page.locator("#tag-input")).to_have_value("")

    page.locator("#ticket-title").focus()
    page.keyboard.press("Escape")

    expect(page).to_have_url(re.compile(r"/agent/v/teams/$"))
    expect(page.locator("#ticket-title")).to_have_count(0)
    cursor_link(page, ticket)
    page.go_back()
    expect(page.locator("#ticket-title")).to_contain_text("Tastenfall")


def test_the_command_menu_finds_actions_and_views_by_name_even_with_single_keys_off(
    new_page, agent: Agent, team: Team
) -> None:
    ticket = TicketFactory.create(team=team, subject="Befehlsfall", status=TicketStatus.OPEN)
    page = new_page(agent)
    page.goto(f"/agent/v/teams/t/{ticket.pk}/")
    live(page)
    page.evaluate("localStorage.setItem('hub:shortcuts-off', '1')")
    menu = page.get_by_role("dialog", name="Befehlsmenü")

    page.keyboard.press("Control+k")
    expect(menu).to_be_visible()
    field = menu.get_by_role("combobox", name="Befehl oder Ansicht")
    expect(field).to_be_focused()
    assert_accessible(page)
    field.press_sequentially("lös")
    expect(menu.get_by_role("option").first).to_contain_text("Lösen")
    page.keyboard.press("Enter")

    expect(menu).to_be_hidden()
    expect(page.locator("#ctl-status")).to_have_value("solved")

    page.keyboard.press("Control+k")
    field.press_sequentially("zzzz")
    expect(menu).to_contain_text("Kein Befehl passt.")
    field.fill("")
    field.press_sequentially("zu")  # "Mir zuweisen", "Zurückstellen", "Nicht zugewiesen", …
    options = menu.get_by_role("option")
    expect(options.first).to_have_attribute("aria-selected", "true")
    target = next(i for i, text in enumerate(options.all_inner_texts()) if "Nicht zugewiesen" in text)
    assert target > 0
    for _ in range(target):
        page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("option", selected=True)).to_contain_text("Nicht zugewiesen")
    expect(options.first).to_have_attribute("aria-selected", "false")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/agent/v/unassigned/$"))
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SOLVED
