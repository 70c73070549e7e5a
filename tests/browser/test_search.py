"""Search in a real browser: `/` focuses the rail's field, Enter shows the results grouped by
kind with matches marked, a click opens the ticket; a `/` typed into a text field stays there."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from hub.models import Agent, Team, TicketStatus
from hub.tests.factories import CustomerFactory, IdentityFactory, MessageFactory, OrganizationFactory, TicketFactory
from tests.browser.axe import assert_accessible
from tests.browser.conftest import FRONTEND

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _search_island_built() -> None:
    # The shared fixture builds the bundle when app.js is missing; an older build lacks rail.js.
    if not (FRONTEND / "static" / "frontend" / "dist" / "rail.js").exists():
        subprocess.run(["npm", "run", "build"], cwd=FRONTEND, check=True)


def test_slash_focuses_search_enter_shows_grouped_results_and_a_click_opens_the_ticket(
    new_page, agent: Agent, team: Team, other_team: Team
) -> None:
    org = OrganizationFactory.create(name="Kaffeerösterei Brandt")
    customer = CustomerFactory.create(display_name="Erika Brandt", organization=org)
    IdentityFactory.create(customer=customer, value="erika@brandt.example")
    solved = TicketFactory.create(team=team, customer=customer, subject="Maschine tropft", status=TicketStatus.SOLVED)
    MessageFactory.create(ticket=solved, text="Die Kaffeemaschine von Brandt tropft seit Montag.")
    hidden = TicketFactory.create(team=other_team, subject="Brandt intern")
    TicketFactory.create(team=team, assignee=agent, subject="Etwas anderes")
    page = new_page(agent)
    page.goto("/agent/v/mine/")
    expect(page.locator("#list")).to_contain_text("Etwas anderes")

    page.locator("body").press("/")

    field = page.locator("#search-q")
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    field.type("brandt")
    field.press("Enter")

    expect(page).to_have_url(re.compile(r"/agent/search/\?q=brandt$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Suchergebnisse für „brandt“")
    tickets = page.locator("#search-tickets")
    expect(tickets.get_by_role("heading", name="Tickets")).to_be_visible()
    expect(tickets.locator(".search-hit")).to_have_count(1)
    expect(tickets.locator("mark").first).to_have_text(re.compile("Brandt", re.IGNORECASE))
    expect(page.locator("#search-customers .search-hit")).to_contain_text("Erika Brandt")
    expect(page.locator("#search-organizations .search-hit")).to_contain_text("Kaffeerösterei Brandt")
    expect(page.locator("main")).not_to_contain_text(hidden.subject)
    expect(field).to_have_value("brandt")
    assert_accessible(page)

    tickets.get_by_role("link", name=re.compile("Maschine tropft")).click()

    expect(page).to_have_url(re.compile(rf"/agent/v/[a-z_]+/t/{solved.pk}/$"))
    expect(page.locator("#ticket-title")).to_contain_text("Maschine tropft")
    assert_accessible(page)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/agent/search/\?q=brandt$"))
    expect(page.locator("#search-tickets .search-hit")).to_have_count(1)

    # The rail's views lead back to the workspace from the results page.
    page.locator("#nav a[data-view='mine']").click()
    expect(page).to_have_url(re.compile(r"/agent/v/mine/$"))
    expect(page.locator("#list")).to_contain_text("Etwas anderes")
    assert_accessible(page)


def test_a_slash_typed_in_a_text_field_stays_there_and_escape_leaves_search(new_page, agent: Agent, team: Team):
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Antwort schreiben")
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    composer = page.locator("#composer textarea").first
    composer.click()

    page.keyboard.type("1/2")

    expect(composer).to_be_focused()
    expect(composer).to_have_value(re.compile(r"1/2"))
    expect(page.locator("#search-q")).to_have_value("")

    page.locator("#search-q").focus()
    page.keyboard.press("Escape")
    expect(page.locator("#search-q")).not_to_be_focused()
    assert_accessible(page)


def test_the_search_speaks_english_and_explains_its_syntax(new_page, agent: Agent) -> None:
    page = new_page(agent, locale="en-US")
    agent.language = "en"
    agent.save(update_fields=["language"])

    page.goto("/agent/search/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    expect(page.locator(".search-syntax")).to_contain_text("status:open")
    assert_accessible(page)
    page.locator("body").press("/")
    expect(page.locator("#search-q")).to_be_focused()
