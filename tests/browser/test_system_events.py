"""System events as thin grey lines the agent can hide (UX.md section 3), in a real browser: the
switch above the timeline hides them at once and the choice survives a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from hub import events
from hub.models import Agent, MessageKind, Team
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_agent_hides_the_system_lines_and_they_stay_hidden_after_a_reload(
    new_page, agent: Agent, team: Team
) -> None:
    colleague = AgentFactory.create(teams=[team], user__first_name="Tom", user__last_name="Berger")
    ticket = TicketFactory.create(team=team, assignee=agent, subject="Lieferung")
    MessageFactory.create(ticket=ticket, text="Wo bleibt meine Bestellung?")
    # The hub's automatic answer to the customer is a message, not an event: it stays in view.
    MessageFactory.create(
        ticket=ticket, kind=MessageKind.SYSTEM, direction="out", text="Wir haben Ihre Anfrage erhalten."
    )
    events.status_changed(ticket=ticket, actor=colleague, status="pending", previous="open")
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    live(page)
    line = page.locator("#timeline .item.system[data-event-id]")
    automatic = page.locator("#timeline .item.system[data-message-id]")
    switch = page.get_by_role("button", name="Systemereignisse zeigen")
    expect(line).to_be_visible()
    expect(switch).to_have_attribute("aria-pressed", "true")

    with page.expect_response(lambda r: r.url.endswith("/agent/preferences/system-events/")):
        switch.click()

    expect(line).to_be_hidden()
    expect(automatic).to_be_visible()
    expect(switch).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#timeline")).to_contain_text("Wo bleibt meine Bestellung?")
    assert_accessible(page)
    page.reload()
    live(page)
    expect(page.locator("#timeline .item.system[data-event-id]")).to_be_hidden()
    agent.refresh_from_db()
    assert not agent.show_system_events

    with page.expect_response(lambda r: r.url.endswith("/agent/preferences/system-events/")):
        page.get_by_role("button", name="Systemereignisse zeigen").click()
    expect(page.locator("#timeline .item.system[data-event-id]")).to_be_visible()
    agent.refresh_from_db()
    assert agent.show_system_events
