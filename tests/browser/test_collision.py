"""Two agents on one ticket, in two browser contexts: each sees the other viewing and typing, and
a reply begun before the colleague's went out is held until its writer says "Send anyway"."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from hub.models import Agent, Direction, MessageKind, Team, Ticket
from hub.tests.factories import AgentFactory
from hub.tests.fake_channel import FakeChannel
from tests.browser.axe import assert_accessible
from tests.browser.test_inbox import incoming, live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_ticket(page: Page, ticket: Ticket) -> None:
    page.goto(f"/agent/v/teams/t/{ticket.pk}/")
    live(page)


def test_two_agents_see_each_other_and_a_reply_after_the_colleagues_is_held_until_sent_anyway(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    jana = AgentFactory.create(teams=[team], user__first_name="Jana", user__last_name="Roth")
    ticket = incoming("max@example.de", "Wo ist mein Paket?", "m-1", subject="Lieferung fehlt")
    mine, hers = new_page(agent), new_page(jana)
    open_ticket(mine, ticket)
    open_ticket(hers, ticket)

    viewers = mine.locator("#ticket-viewers")
    says = viewers.locator(".viewers-text")
    expect(says).to_have_text("Jana Roth sieht sich das Ticket an")
    expect(viewers.locator(".avatar")).to_have_text("JR")
    expect(hers.locator("#ticket-viewers")).to_contain_text("sieht sich das Ticket an")

    # The agent begins a reply while Jana's page is open.
    box = mine.locator("#composer-text")
    box.press_sequentially("Wir schicken Ihnen ein neues Paket.")
    expect(hers.locator("#ticket-viewers")).to_contain_text("schreibt eine Antwort")

    # Jana types and sends her own reply; the agent's page shows her typing, then her reply.
    her_box = hers.locator("#composer-text")
    her_box.press_sequentially("Ist heute rausgegangen.")
    expect(says).to_have_text("Jana Roth schreibt eine Antwort …")
    her_box.press("Control+Enter")
    expect(her_box).to_have_value("")
    expect(mine.locator("#timeline")).to_contain_text("Ist heute rausgegangen.")
    expect(says).to_have_text("Jana Roth sieht sich das Ticket an")
    assert_accessible(mine)

    # Seen in the timeline or not: the agent began before it, so the send is held.
    box.press("Control+Enter")
    notice = mine.locator("#composer-notice")
    expect(notice).to_contain_text("Jana Roth hat dem Kunden geantwortet, während Sie schrieben.")
    expect(notice).to_contain_text("Ist heute rausgegangen.")
    send_anyway = notice.get_by_role("button", name="Trotzdem senden")
    expect(send_anyway).to_be_focused()
    expect(mine.locator("#announcer")).to_contain_text("Jana Roth hat dem Kunden geantwortet")
    expect(box).to_have_value("Wir schicken Ihnen ein neues Paket.")
    assert [s["text"] for s in fake_channel.sent] == ["Ist heute rausgegangen."]
    assert_accessible(mine)

    send_anyway.click()

    expect(box).to_have_value("")
    timeline = mine.locator("#timeline")
    expect(timeline.locator("[data-message-id]", has_text="Wir schicken Ihnen ein neues Paket.")).to_have_count(1)
    expect(timeline.locator("[data-message-id]", has_text="Ist heute rausgegangen.")).to_have_count(1)
    expect(hers.locator("#timeline [data-message-id]", has_text="ein neues Paket")).to_have_count(1)
    replies = ticket.messages.filter(direction=Direction.OUTBOUND, kind=MessageKind.MESSAGE).order_by("pk")
    assert list(replies.values_list("text", flat=True)) == [
        "Ist heute rausgegangen.",
        "Wir schicken Ihnen ein neues Paket.",
    ]

    # Jana closes her tab: she is no longer on the ticket.
    hers.close()
    expect(viewers).to_be_hidden()


def test_edit_keeps_the_text_and_sends_after_reading_the_colleagues_reply(
    new_page, agent: Agent, team: Team, fake_channel: FakeChannel
) -> None:
    jana = AgentFactory.create(teams=[team], user__first_name="Jana", user__last_name="Roth", language="en")
    ticket = incoming("max@example.de", "Wo ist mein Paket?", "m-1", subject="Lieferung fehlt")
    mine, hers = new_page(agent), new_page(jana, locale="en-GB")
    open_ticket(mine, ticket)
    open_ticket(hers, ticket)
    expect(hers.locator("#ticket-viewers")).to_contain_text("is viewing")

    box = mine.locator("#composer-text")
    box.fill("Kommt morgen.")
    hers.locator("#composer-text").fill("Shipped today.")
    hers.locator("#composer-text").press("Control+Enter")
    expect(hers.locator("#composer-text")).to_have_value("")

    box.press("Control+Enter")
    mine.locator("#composer-notice").get_by_role("button", name="Antwort bearbeiten").click()

    expect(mine.locator("#composer-notice")).to_be_empty()
    expect(box).to_be_focused()
    expect(box).to_have_value("Kommt morgen.")
    box.press("Control+Enter")
    expect(box).to_have_value("")
    assert [s["text"] for s in fake_channel.sent] == ["Shipped today.", "Kommt morgen."]
