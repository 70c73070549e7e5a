""" "Then open the next ticket" in the send menu: after a reply goes out the workspace opens the
list's next ticket; the agent's choice is remembered across tickets and reloads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hub.models import Agent, Team
from hub.tests.factories import MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_with_open_next_on_a_sent_reply_opens_the_next_ticket_of_the_list(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    now = timezone.now()
    first, second = (
        TicketFactory.create(
            team=team,
            assignee=agent,
            origin_channel="fake",
            subject=f"Frage {n}",
            last_activity_at=now - timedelta(minutes=n),
        )
        for n in (1, 2)
    )
    for ticket in (first, second):
        MessageFactory.create(ticket=ticket, channel="fake", text="Wann kommt die Ware?")
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{first.pk}/")
    live(page)

    page.get_by_role("button", name="Weitere Arten zu senden").click()
    choice = page.get_by_role("menuitemcheckbox", name="Danach nächstes Ticket öffnen")
    expect(choice).to_have_attribute("aria-checked", "false")
    assert_accessible(page)
    choice.click()
    expect(choice).to_have_attribute("aria-checked", "true")
    page.keyboard.press("Escape")
    box = page.locator("#composer-text")
    # A note is part of the work on the ticket: the agent stays (the next ticket is not even asked for).
    asked_next: list[str] = []
    page.on("request", lambda r: asked_next.append(r.url) if f"/t/{second.pk}/" in r.url else None)
    page.locator("#composer input[name=mode][value=note]").check()
    box.fill("Kunde angerufen, Ware ist unterwegs.")
    box.press("Control+Enter")
    expect(page.locator("#timeline")).to_contain_text("Kunde angerufen")
    assert asked_next == []
    page.locator("#composer input[name=mode][value=reply]").check()
    box.fill("Sie kommt morgen.")
    box.press("Control+Enter")

    expect(page).to_have_url(f"{page.url.split('/agent/')[0]}/agent/v/mine/t/{second.pk}/")
    expect(page.locator("#ticket-title")).to_contain_text("Frage 2")
    assert [s["text"] for s in fake_channel.sent] == ["Sie kommt morgen."]
    agent.refresh_from_db()
    assert agent.open_next_after_send

    page.reload()
    live(page)
    page.get_by_role("button", name="Weitere Arten zu senden").click()
    expect(page.get_by_role("menuitemcheckbox", name="Danach nächstes Ticket öffnen")).to_have_attribute(
        "aria-checked", "true"
    )
