"""Every page of the agent workspace, and the chat widget on a shop's page, passes axe-core
(WCAG 2.1 A and AA) on the whole page: no critical and no serious violation."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from channels_chat.models import Widget
from hub.models import Agent, Direction, IdentityKind, MessageKind, Role, Team, TicketStatus
from hub.models.teams import Presence
from hub.tests.factories import AgentFactory, IdentityFactory, MessageFactory, OrganizationFactory, TicketFactory
from tests.browser import widget_fixtures
from tests.browser.axe import violations
from tests.browser.widget_fixtures import LiveHub

live_hub = widget_fixtures.live_hub
host_page = widget_fixtures.host_page
browser_page = widget_fixtures.browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"critical", "serious"}


def assert_no_serious_violations(page: Page, where: str) -> None:
    """The full-page axe check: any critical or serious violation fails, listed with its targets."""
    found: list[dict[str, Any]] = [v for v in violations(page) if v["impact"] in BLOCKING]
    assert found == [], f"{where}:\n" + "\n".join(
        f"  {v['impact']} {v['id']}: {v['help']} at {v['nodes']}" for v in found
    )


def assert_no_serious_violations_while_loading(page: Page, where: str, *regions: str) -> None:
    """The same while htmx has a request in flight for ``regions`` (live refreshes do it all day)."""
    page.evaluate("(ids) => ids.forEach((s) => document.querySelector(s).classList.add('htmx-request'))", regions)
    try:
        assert_no_serious_violations(page, where)
    finally:
        page.evaluate(
            "(ids) => ids.forEach((s) => document.querySelector(s).classList.remove('htmx-request'))", regions
        )


def settled(page: Page) -> None:
    """No list request in flight (the list is dimmed while one is) and no transition running."""
    expect(page.locator("#list[aria-busy='true']")).to_have_count(0)
    page.wait_for_timeout(300)


def test_every_page_of_the_workspace_passes_axe_without_a_serious_violation(new_page, team: Team) -> None:
    agent: Agent = AgentFactory.create(teams=[team], role=Role.ADMIN)
    org = OrganizationFactory.create(name="Kaffeerösterei Brandt")
    ticket = TicketFactory.create(
        team=team,
        assignee=agent,
        subject="Maschine tropft",
        customer__display_name="Erika Brandt",
        customer__organization=org,
    )
    IdentityFactory.create(
        customer=ticket.customer, kind=IdentityKind.EMAIL, value="erika@brandt.example", verified=True
    )
    MessageFactory.create(ticket=ticket, channel="email", text="Die Kaffeemaschine von Brandt tropft seit Montag.")
    MessageFactory.create(
        ticket=ticket, channel="email", direction=Direction.OUTBOUND, author_agent=agent, text="Wir schicken Ersatz."
    )
    MessageFactory.create(
        ticket=ticket,
        channel="email",
        direction=Direction.OUTBOUND,
        kind=MessageKind.NOTE,
        author_agent=agent,
        text="Garantie prüfen.",
    )
    for n in range(4):
        MessageFactory.create(ticket=ticket, channel="email", text=f"Nachtrag {n}: " + "Es tropft weiter. " * 40)
    for n, (status, priority) in enumerate(product(TicketStatus, range(1, 5))):
        other = TicketFactory.create(
            team=team, assignee=agent, subject=f"Rechnung doppelt {n}", status=status, priority=priority
        )
        MessageFactory.create(ticket=other, text="Ich wurde zweimal belastet.")
    AgentFactory.create(teams=[team], deactivated_at=timezone.now())
    page = new_page(agent)

    page.goto("/agent/v/mine/")
    expect(page.locator("#list")).to_contain_text("Rechnung doppelt")
    settled(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Meine")
    assert_no_serious_violations(page, "inbox (Mine)")
    assert_no_serious_violations_while_loading(page, "inbox (Mine) while its list reloads", "#list")

    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    expect(page.locator("#timeline")).to_contain_text("Garantie prüfen.")
    settled(page)
    timeline = page.get_by_role("region", name="Gesprächsverlauf")
    expect(timeline).to_have_attribute("tabindex", "0")
    expect(timeline).not_to_be_focused()
    assert_no_serious_violations(page, "ticket")
    assert_no_serious_violations_while_loading(page, "ticket while it reloads", "#list", "#ticket")
    page.locator("#composer").get_by_label("Interne Notiz").check()
    page.wait_for_timeout(300)
    assert_no_serious_violations(page, "ticket with the note composer")

    page.goto("/agent/search/?q=brandt")
    expect(page.locator("main")).to_contain_text("Maschine tropft")
    assert_no_serious_violations(page, "search")

    page.goto("/agent/settings/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_serious_violations(page, "settings home")

    page.goto("/agent/settings/agents/")
    expect(page.locator("main")).to_contain_text(agent.user.username)
    assert_no_serious_violations(page, "settings: agents")

    page.goto(f"/agent/customers/{ticket.customer_id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Erika Brandt")
    assert_no_serious_violations(page, "customer")


def test_the_chat_widget_on_a_shop_page_passes_axe_without_a_serious_violation(
    live_hub: LiveHub, host_page, browser_page: Page, agent: Agent
) -> None:
    agent.presence = Presence.ONLINE
    agent.save()
    team = agent.teams.get()
    widget = Widget.objects.create(
        name="Shop", team=team, allowed_origins=[], greeting_de="Moin! Wie können wir helfen?"
    )
    url = host_page(live_hub, widget.key)
    widget.allowed_origins = ["/".join(url.split("/")[:3])]
    widget.save()
    page = browser_page

    page.goto(url)
    launcher = page.get_by_role("button", name="Chat öffnen")
    expect(launcher).to_be_visible()
    assert_no_serious_violations(page, "widget closed")
    launcher.click()
    expect(page.get_by_text("Moin! Wie können wir helfen?")).to_be_visible()
    box = page.get_by_role("textbox", name="Nachricht")
    box.fill("Wo ist mein Paket?")
    box.press("Enter")
    expect(page.get_by_text("Wo ist mein Paket?")).to_be_visible()
    page.wait_for_timeout(300)
    assert_no_serious_violations(page, "widget open with a message")
