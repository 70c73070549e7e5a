"""The ticket header in a real browser: tags by keyboard (pick an existing one, create a new
one), snoozing, focus kept on the control used and the change announced, arrow keys that do not
save in-between values, and merging into another ticket after a confirm dialog."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route, expect

from hub.actions import do_set_priority
from hub.models import Agent, EventKind, Message, Priority, Tag, Team, Ticket, TicketEvent, TicketStatus
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open(new_page, agent: Agent, ticket: Ticket) -> Page:
    page: Page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    return page


def test_an_agent_adds_an_existing_tag_and_creates_a_new_one_by_keyboard(new_page, agent: Agent, team: Team) -> None:
    Tag.objects.create(name="rechnung")
    Tag.objects.create(name="retoure")
    ticket = TicketFactory.create(team=team, assignee=agent, status=TicketStatus.OPEN)
    page = _open(new_page, agent, ticket)
    combo = page.get_by_role("combobox", name="Tag hinzufügen")
    listbox = page.get_by_role("listbox", name="Tags")

    combo.focus()
    combo.press_sequentially("rech")
    expect(listbox.get_by_role("option")).to_have_text(["rechnung", "Tag „rech“ anlegen"])
    expect(combo).to_have_attribute("aria-expanded", "true")
    combo.press("ArrowDown")
    expect(combo).to_have_attribute("aria-activedescendant", "tag-opt-0")
    combo.press("Enter")

    tags = page.locator("#ticket-header .tag-list")
    expect(tags.locator(".chip-tag bdi")).to_have_text(["rechnung"])
    expect(page.locator("#announcer")).to_have_text("Tag „rechnung“ hinzugefügt")
    expect(page.get_by_role("combobox", name="Tag hinzufügen")).to_be_focused()

    combo = page.get_by_role("combobox", name="Tag hinzufügen")
    combo.press_sequentially("Eilt sehr")
    expect(listbox.get_by_role("option")).to_have_text(["Tag „eilt sehr“ anlegen"])
    combo.press("Enter")

    expect(tags.locator(".chip-tag bdi")).to_have_text(["eilt sehr", "rechnung"])
    expect(page.get_by_role("combobox", name="Tag hinzufügen")).to_be_focused()
    expect(page.get_by_role("combobox", name="Tag hinzufügen")).to_have_value("")
    page.get_by_role("button", name="Tag rechnung entfernen").click()
    expect(tags.locator(".chip-tag bdi")).to_have_text(["eilt sehr"])
    expect(page.locator("#announcer")).to_have_text("Tag „rechnung“ entfernt")
    assert list(Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True)) == ["eilt sehr"]
    assert_accessible(page)


def test_focus_stays_on_the_status_control_after_a_change_and_the_change_is_announced(
    new_page, agent: Agent, team: Team
) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, status=TicketStatus.OPEN)
    page = _open(new_page, agent, ticket)
    status = page.locator("#ctl-status")

    status.focus()
    status.select_option("pending")

    expect(page.locator("#ticket-header .chip.status-pending")).to_be_visible()
    expect(page.locator("#announcer")).to_have_text("Status: Wartend")
    expect(page.locator("#ctl-status")).to_be_focused()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.PENDING


def test_arrow_keys_in_a_closed_select_save_only_the_value_committed_with_enter(
    new_page, agent: Agent, team: Team
) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, status=TicketStatus.OPEN, priority=Priority.LOW)
    page = _open(new_page, agent, ticket)
    priority = page.locator("#ctl-priority")

    priority.focus()
    priority.press("ArrowDown")
    priority.press("ArrowDown")
    priority.press("ArrowDown")
    expect(priority).to_have_value(str(Priority.URGENT.value))
    page.wait_for_timeout(300)
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PRIORITY).exists()
    priority.press("Enter")

    expect(page.locator("#announcer")).to_have_text("Priorität: Dringend")
    expect(page.locator("#ctl-priority")).to_be_focused()
    changes = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PRIORITY)
    assert [e.data["priority"] for e in changes] == [Priority.URGENT]


def assert_assigned_and_solved(page: Page, ticket: Ticket, agent: Agent) -> None:
    """ "a" then "e" both arrived: the solve is said and shown, and both are saved."""
    expect(page.locator("#announcer")).to_have_text("Status: Gelöst")
    expect(page.locator("#ticket-header .chip.status-solved")).to_be_visible()
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee_id) == (TicketStatus.SOLVED, agent.pk)


def test_two_changes_made_faster_than_the_server_answers_are_both_saved(new_page, agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team, status=TicketStatus.OPEN)
    page = _open(new_page, agent, ticket)
    # A slow line: the first change's request waits here until the test lets it through.
    held: list[Route] = []
    page.route(re.compile(r"/update/$"), lambda route: route.continue_() if held else held.append(route))

    page.locator("#ticket-title").focus()
    page.keyboard.press("a")
    expect(page.locator("#ctl-assignee")).to_have_value(str(agent.pk))
    page.locator("#ticket-title").focus()
    page.keyboard.press("e")
    expect(page.locator("#ctl-status")).to_have_value("solved")
    for _ in range(50):  # Playwright calls let the route see the request
        if held:
            break
        page.wait_for_timeout(20)
    # Solving waits for the assignment's answer instead of aborting it.
    page.wait_for_timeout(300)
    assert len(held) == 1
    held[0].continue_()

    assert_assigned_and_solved(page, ticket, agent)
    expect(page.locator("#ctl-assignee")).to_have_value(str(agent.pk))


def test_a_change_made_while_the_last_answer_is_being_set_up_is_saved_and_the_focus_stays(
    new_page, agent: Agent, team: Team
) -> None:
    ticket = TicketFactory.create(team=team, status=TicketStatus.OPEN)
    page = _open(new_page, agent, ticket)
    # htmx sets up the controls an answer drew only once its swap settles (20 ms); stretched here
    # so that the agent's next key surely falls in between, as a quick "a" then "e" can.
    page.evaluate("htmx.config.defaultSettleDelay = 1000")

    page.locator("#ticket-title").focus()
    page.keyboard.press("a")
    expect(page.locator("#ticket-header.htmx-settling #ctl-assignee")).to_have_value(str(agent.pk))
    page.keyboard.press("e")

    assert_assigned_and_solved(page, ticket, agent)
    # Shortcuts never put the agent on the control they set: the next key is a shortcut again.
    expect(page.locator("#ticket-title")).to_be_focused()


def test_a_change_the_line_loses_shows_the_saved_value_again_and_says_it_was_not_saved(
    new_page, agent: Agent, team: Team
) -> None:
    ticket = TicketFactory.create(team=team, status=TicketStatus.OPEN)
    page = _open(new_page, agent, ticket)
    page.route(re.compile(r"/update/$"), lambda route: route.abort("internetdisconnected"))

    page.locator("#ctl-status").select_option("solved")

    expect(page.locator("#header-unsaved")).to_be_visible()
    expect(page.locator("#header-unsaved")).to_have_text(
        "Nicht gespeichert: Der Hub war nicht erreichbar. Prüfen Sie die Verbindung und versuchen Sie es erneut."
    )
    expect(page.locator("#ctl-status")).to_have_value("open")
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.OPEN

    # Back on line, the same change goes through and the notice goes with the old header.
    page.unroute(re.compile(r"/update/$"))
    page.locator("#ctl-status").select_option("solved")
    expect(page.locator("#announcer")).to_have_text("Status: Gelöst")
    expect(page.locator("#header-unsaved")).to_be_hidden()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.SOLVED


def test_an_agent_snoozes_a_ticket_until_tomorrow_morning(new_page, agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, status=TicketStatus.OPEN)
    page = _open(new_page, agent, ticket)

    page.get_by_text("Zurückstellen ▾").click()
    page.get_by_role("button", name=re.compile("^Morgen früh")).click()

    expect(page.locator("#ticket-header .chip-snoozed")).to_contain_text("Zurückgestellt bis")
    assert_accessible(page)
    expect(page.locator("#announcer")).to_contain_text("Zurückgestellt bis")
    expect(page.locator("#snooze-toggle")).to_be_focused()
    assert Ticket.objects.get(pk=ticket.pk).status == TicketStatus.PENDING


def test_an_agent_merges_a_ticket_into_another_after_confirming_what_moves(new_page, agent: Agent, team: Team) -> None:
    source = TicketFactory.create(team=team, assignee=agent, subject="Nochmal wegen Paket", status=TicketStatus.OPEN)
    target = TicketFactory.create(team=team, assignee=agent, subject="Paket 4711 fehlt", status=TicketStatus.OPEN)
    MessageFactory.create(ticket=source, text="Ist es schon da?")
    MessageFactory.create(ticket=target, text="Mein Paket fehlt")
    page = _open(new_page, agent, source)

    page.get_by_text("Verknüpfen oder zusammenführen ▾").click()
    page.get_by_label("Ticket nach Nummer oder Betreff suchen").fill("4711")
    merge = page.get_by_role("button", name=f"In Ticket #{target.pk} zusammenführen…")
    merge.click()
    dialog = page.get_by_role("dialog", name=f"#{source.pk} in #{target.pk} zusammenführen?")
    expect(dialog).to_be_visible()
    # Escape changes nothing and gives the focus back to the button that opened the dialog.
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(merge).to_be_focused()
    merge.press("Enter")

    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("1 Nachricht wird nach")
    expect(dialog.get_by_role("button", name="Abbrechen")).to_be_focused()
    assert_accessible(page)
    dialog.get_by_role("button", name="Zusammenführen").click()

    expect(dialog).to_have_count(0)
    expect(page.locator("#ticket-title")).to_contain_text(f"#{target.pk}")
    expect(page.locator("#announcer")).to_have_text(f"Ticket #{source.pk} in #{target.pk} zusammengeführt")
    expect(page.locator("#timeline")).to_contain_text("Ist es schon da?")
    assert Ticket.objects.get(pk=source.pk).status == TicketStatus.CLOSED
    assert Message.objects.filter(ticket=target).count() == 2


def test_another_agents_change_redraws_the_header_and_names_them(new_page, agent: Agent, team: Team) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Rechnung doppelt", status=TicketStatus.OPEN)
    tom = AgentFactory.create(teams=[team], user__first_name="Tom", user__last_name="Berger")
    page = _open(new_page, agent, ticket)
    expect(page.locator("body")).to_have_attribute("data-live", "open")

    do_set_priority(Ticket.objects.get(pk=ticket.pk), Priority.URGENT, actor=tom)

    header = page.locator("#ticket-header")
    expect(header).to_contain_text("Dringend")  # redrawn in place, no reload
    expect(header.locator(".updated-by")).to_have_text("Aktualisiert von Tom Berger")
    expect(page.locator("#announcer")).to_have_text("Aktualisiert von Tom Berger")
    assert_accessible(page)
    # The agent's own change is not announced as someone else's, also once its live event has
    # redrawn the header again.
    with page.expect_response(lambda r: r.request.method == "GET" and "/t/" in r.url, timeout=10_000):
        page.locator("#ctl-status").select_option("pending")
    expect(header.locator(".chip.status-pending")).to_be_visible()
    expect(header.locator(".updated-by")).to_have_count(0)
    expect(page.locator("#announcer")).not_to_contain_text("Aktualisiert")
