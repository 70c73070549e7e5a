from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from channels_chat.models import ChatMessage, Widget
from hub.actions import do_reply
from hub.models import Agent, Identity, Message, Team, Ticket
from hub.models.teams import Presence
from tests.browser import widget_fixtures
from tests.browser.axe import assert_accessible
from tests.browser.widget_fixtures import LiveHub

# The widget's fixtures live beside the agent UI's conftest, in a module of their own.
live_hub = widget_fixtures.live_hub
host_page = widget_fixtures.host_page
browser_page = widget_fixtures.browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def wait_for(check: Callable[[], Any], timeout: float = 15) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError("condition not met in time")


@pytest.fixture
def shop_widget(team: Team) -> Widget:
    return Widget.objects.create(name="Shop", team=team, allowed_origins=[], greeting_de="Moin! Wie können wir helfen?")


def agent_says(ticket: Ticket, agent: Agent, text: str) -> None:
    """Reply as the agent would, from a thread of its own: this one runs Playwright's event loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(do_reply, ticket, agent=agent, text=text, channel="chat").result()


def allow(widget: Widget, url: str) -> None:
    widget.allowed_origins = ["/".join(url.split("/")[:3])]
    widget.save()


def test_a_visitor_and_an_agent_chat_both_ways_and_a_dropped_connection_loses_and_doubles_nothing(
    live_hub: LiveHub,
    host_page,
    browser_page: Page,
    shop_widget: Widget,
    agent: Agent,
) -> None:
    agent.presence = Presence.ONLINE
    agent.save()
    url = host_page(live_hub, shop_widget.key)
    allow(shop_widget, url)
    page = browser_page

    page.goto(url)
    expect(page.get_by_role("button", name="Chat öffnen")).to_be_visible()
    assert_accessible(page)  # the shop with the closed widget
    page.get_by_role("button", name="Chat öffnen").click()
    expect(page.get_by_text("Moin! Wie können wir helfen?")).to_be_visible()
    box = page.get_by_role("textbox", name="Nachricht")
    box.fill("Wo ist mein Paket? <b>123</b>")
    box.press("Enter")

    ticket = wait_for(lambda: Ticket.objects.filter(origin_channel="chat").first())
    assert ticket.team_id == shop_widget.team_id
    agent_says(ticket, agent, "Es ist unterwegs!")
    expect(page.get_by_text("Es ist unterwegs!")).to_be_visible(timeout=10000)
    expect(page.get_by_text("Wo ist mein Paket? <b>123</b>")).to_be_visible()
    assert_accessible(page)  # the open chat with both sides' messages

    live_hub.stop()  # the connection drops mid-conversation
    box.fill("Hallo? Noch da?")
    box.press("Enter")
    box.fill("Bitte melden")
    box.press("Enter")
    agent_says(ticket, agent, "Ja, ich bin da.")
    live_hub.start()

    expect(page.get_by_text("Ja, ich bin da.")).to_be_visible(timeout=20000)
    assert_accessible(page)  # after the reconnect
    wait_for(lambda: Message.objects.filter(ticket=ticket, direction="in").count() == 3)
    inbound = list(Message.objects.filter(ticket=ticket, direction="in").order_by("id").values_list("text", flat=True))
    assert inbound == ["Wo ist mein Paket? <b>123</b>", "Hallo? Noch da?", "Bitte melden"]
    log = list(ChatMessage.objects.order_by("seq").values_list("seq", "text"))
    assert [s for s, _ in log] == [1, 2, 3, 4, 5]
    shown = page.locator("hub-chat li.msg").all_inner_texts()
    for text in ("Es ist unterwegs!", "Hallo? Noch da?", "Bitte melden", "Ja, ich bin da."):
        assert sum(text in item for item in shown) == 1, shown
    assert page.locator("hub-chat b").count() == 0


def test_offline_mode_takes_a_message_with_an_email_that_becomes_a_ticket(
    live_hub: LiveHub,
    host_page,
    browser_page: Page,
    shop_widget: Widget,
) -> None:
    url = host_page(live_hub, shop_widget.key)
    allow(shop_widget, url)
    page = browser_page

    page.goto(url)
    page.get_by_role("button", name="Chat öffnen").click()
    expect(page.get_by_text("Gerade ist niemand online", exact=False)).to_be_visible()
    assert_accessible(page)  # the offline form
    page.get_by_role("textbox", name="Name").fill("Eva Muster")
    page.get_by_role("textbox", name="E-Mail").fill("eva@example.de")
    page.get_by_role("textbox", name="Nachricht").last.fill("Bitte rufen Sie mich zurück.")
    page.get_by_role("button", name="Nachricht senden").click()

    expect(page.get_by_text("Danke! Wir antworten Ihnen per E-Mail.")).to_be_visible()
    assert_accessible(page)
    ticket = wait_for(lambda: Ticket.objects.filter(origin_channel="chat").first())
    assert ticket.messages.get().text == "Bitte rufen Sie mich zurück."
    assert Identity.objects.filter(customer=ticket.customer, kind="email", value="eva@example.de").exists()
