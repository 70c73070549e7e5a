"""The list in a real browser while the agent works in it: new tickets wait behind a bar instead
of pushing the rows the agent is looking at or has selected (UX.md, section 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from hub.models import Agent, Team, Ticket
from hub.tests.factories import TicketFactory
from hub.tests.fake_channel import FakeChannel
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import incoming, live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def many(team: Team, count: int) -> list[Ticket]:
    now = timezone.now()
    return [
        TicketFactory.create(team=team, subject=f"Anfrage {n}", last_activity_at=now - timedelta(minutes=n))
        for n in range(1, count + 1)
    ]


def unassigned_list(new_page, agent: Agent) -> Page:
    page: Page = new_page(agent)
    page.goto("/agent/v/unassigned/")
    live(page)
    return page


def test_a_ticket_arriving_while_the_agent_reads_further_down_waits_behind_a_bar_until_they_are_back_on_top(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    tickets = many(team, 40)
    page = unassigned_list(new_page, agent)
    page.evaluate("document.querySelector('#list .rows').scrollTop = 600")
    first_shown = page.locator("#list .row").first

    fresh = incoming("max@example.de", "Wo ist mein Paket?", "m-1", subject="Lieferung fehlt")

    expect(page.locator(".list-news")).to_have_text("1 neues – anzeigen")
    expect(page.locator(f"#list .row[data-ticket-id='{fresh.pk}']")).to_have_count(0)
    expect(first_shown).to_have_attribute("data-ticket-id", str(tickets[0].pk))
    page.wait_for_function("document.querySelector('#list .rows').scrollTop === 600")
    expect(page.locator("#count-unassigned")).to_have_text("41")
    assert_accessible(page)

    page.evaluate("document.querySelector('#list .rows').scrollTop = 0")

    expect(page.locator(f"#list .row[data-ticket-id='{fresh.pk}']")).to_contain_text("Lieferung fehlt")
    expect(page.locator(".list-news")).to_have_count(0)
    expect(first_shown).to_have_attribute("data-ticket-id", str(fresh.pk))


def test_with_rows_selected_a_new_ticket_waits_and_the_bar_shows_it_without_losing_the_selection(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    tickets = many(team, 3)
    page = unassigned_list(new_page, agent)
    page.locator(f"#list .row[data-ticket-id='{tickets[1].pk}'] .row-select").check()

    fresh = incoming("erika@example.de", "Falsche Größe geliefert", "m-2", subject="Umtausch")

    expect(page.locator(".list-news")).to_have_text("1 neues – anzeigen")
    expect(page.locator("#list .row").first).to_have_attribute("data-ticket-id", str(tickets[0].pk))

    page.locator(".list-news").click()

    expect(page.locator("#list .row").first).to_have_attribute("data-ticket-id", str(fresh.pk))
    expect(page.locator(f"#list .row[data-ticket-id='{tickets[1].pk}'] .row-select")).to_be_checked()
