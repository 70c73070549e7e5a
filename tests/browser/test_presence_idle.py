"""Away when idle, in a real browser: the workspace tells the hub how long it has seen no
input; the agent is set away after the account's minutes, and is back online on their return."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from hub.actions.presence import do_set_presence
from hub.models import Agent, Team
from hub.models.teams import Presence
from tests.browser.test_inbox import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_who_leaves_the_workspace_untouched_is_set_away_and_back_online_on_the_first_key(
    new_page, agent: Agent, team: Team
) -> None:
    Agent.objects.filter(pk=agent.pk).update(presence=Presence.ONLINE)
    page = new_page(agent)
    page.clock.install()
    page.goto("/agent/v/mine/")
    live(page)
    control = page.locator("#presence select")
    expect(control).to_have_value("online")

    page.clock.fast_forward("16:00")  # the account's 15 minutes without a key or a click

    expect(control).to_have_value("away")
    said = "Während Ihrer Abwesenheit automatisch auf abwesend gesetzt"
    expect(page.locator("#presence")).to_have_attribute("title", said)
    agent.refresh_from_db()
    assert (agent.presence, agent.presence_auto) == (Presence.AWAY, True)

    page.keyboard.press("Shift")

    expect(control).to_have_value("online")
    agent.refresh_from_db()
    assert agent.presence == Presence.ONLINE


def test_a_presence_set_elsewhere_shows_in_the_open_workspace_at_once(new_page, agent: Agent, team: Team) -> None:
    Agent.objects.filter(pk=agent.pk).update(presence=Presence.ONLINE)
    page = new_page(agent)
    page.goto("/agent/v/mine/")
    live(page)
    control = page.locator("#presence select")
    expect(control).to_have_value("online")

    def elsewhere() -> None:  # another tab, or the API: off Playwright's event loop
        try:
            do_set_presence(agent, Presence.OFFLINE)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(elsewhere).result()

    expect(control).to_have_value("offline")


@pytest.mark.parametrize("path", ["/agent/notifications/settings/", "/agent/search/?q=Rechnung"])
def test_the_settings_and_the_search_keep_the_heartbeat_of_the_workspace(
    new_page, agent: Agent, team: Team, path: str
) -> None:
    # Without a heartbeat there, an agent a while in the settings was set away as gone, and their
    # live chats handed to others; idle there, they are set away like in the workspace.
    Agent.objects.filter(pk=agent.pk).update(presence=Presence.ONLINE)
    page = new_page(agent)
    page.clock.install()
    # Once soon after the page loads: an admin going from page to page still beats.
    with page.expect_request(lambda request: request.url.endswith("/agent/presence/seen/")):
        page.goto(path)
    control = page.locator("#presence select")
    expect(control).to_have_value("online")

    with page.expect_request(lambda request: request.url.endswith("/agent/presence/seen/")):
        page.clock.fast_forward("16:00")
    expect(control).to_have_value("away")
    page.keyboard.press("Shift")
    expect(control).to_have_value("online")
    agent.refresh_from_db()
    assert (agent.presence, agent.presence_auto) == (Presence.ONLINE, False)
