"""Two agents in two browser contexts: the one on the inbox list sees live, on the ticket's row,
that the colleague opened it (an eye) and writes a reply on it (a pen), and when they leave."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hub.models import Agent, Team
from hub.tests.factories import AgentFactory
from hub.tests.fake_channel import FakeChannel
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import incoming, live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_list_row_shows_live_that_a_colleague_views_and_then_writes_on_the_ticket(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    jana = AgentFactory.create(teams=[team], user__first_name="Jana", user__last_name="Roth")
    ticket = incoming("max@example.de", "Wo ist mein Paket?", "m-1", subject="Lieferung fehlt")
    mine = new_page(agent)
    mine.goto("/agent/v/teams/")
    live(mine)
    marker = mine.locator(f'#list .row[data-ticket-id="{ticket.pk}"] .row-presence')
    expect(marker).to_be_hidden()
    # The rows are not drawn again meanwhile: the marker comes with the event, not a refresh.
    mine.locator("#list .rows").evaluate("(rows) => { rows.dataset.probe = 'kept'; }")

    hers = new_page(jana)
    hers.goto(f"/agent/v/teams/t/{ticket.pk}/")
    live(hers)

    expect(marker).to_be_visible()
    expect(marker).to_have_attribute("title", "Jana Roth sieht sich das Ticket an")
    expect(marker.locator("use")).to_have_attribute("href", "#i-eye")
    expect(mine.get_by_role("link", name="Jana Roth sieht sich das Ticket an")).to_have_count(1)
    assert_accessible(mine)

    hers.locator("#composer-text").press_sequentially("Ist heute rausgegangen.")

    expect(marker).to_have_attribute("title", "Jana Roth schreibt eine Antwort")
    expect(marker.locator("use")).to_have_attribute("href", "#i-typing")
    expect(marker.locator(".sr-only")).to_have_text("Jana Roth schreibt eine Antwort")
    expect(mine.locator("#list .rows")).to_have_attribute("data-probe", "kept")
    assert_accessible(mine)

    # Jana closes her tab: nobody is on the ticket any more. The leave goes from the closed
    # socket through Redis and the team's group to this list, which on a loaded two-core CI
    # machine once took longer than the default 5 s; an entry left behind would last 45 s.
    hers.close()
    expect(marker).to_be_hidden(timeout=15_000)
