"""A visitor on a shop page (with hostile CSS) and an agent in the workspace chat both ways
through the agent's chat pane: typing, messages, replies and read receipts, and a reply whose
confirmation is lost goes out once."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute, expect

from channels_chat.models import ChatMessage, Widget
from hub.models import Agent, Message, Team, Ticket
from hub.models.teams import Presence
from tests.browser import widget_fixtures
from tests.browser.axe import assert_accessible
from tests.browser.conftest import signed_in_context
from tests.browser.test_widget import allow, wait_for
from tests.browser.widget_fixtures import LiveHub

SHOTS = Path(__file__).resolve().parents[2] / "test-results"

live_hub = widget_fixtures.live_hub
host_page = widget_fixtures.host_page
browser_page = widget_fixtures.browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_widget(team: Team) -> Widget:
    return Widget.objects.create(name="Shop", team=team, allowed_origins=[], greeting_de="Moin! Wie können wir helfen?")


@pytest.fixture
def online_agent(agent: Agent) -> Agent:
    agent.presence = Presence.ONLINE
    agent.save(update_fields=["presence"])
    return agent


@pytest.fixture
def agent_page(browser: Browser, live_hub: LiveHub) -> Iterator[Callable[[Agent], Page]]:
    """The workspace of ``agent`` on the live hub, signed in through a real session cookie."""
    contexts: list[BrowserContext] = []

    def make(agent: Agent) -> Page:
        context = signed_in_context(browser, live_hub.url, agent)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def visitor_writes(page: Page, url: str, text: str) -> Ticket:
    page.goto(url)
    page.get_by_role("button", name="Chat öffnen").click()
    expect(page.get_by_text("Moin! Wie können wir helfen?")).to_be_visible()
    box = page.get_by_role("textbox", name="Nachricht")
    box.fill(text)
    box.press("Enter")
    return wait_for(lambda: Ticket.objects.filter(origin_channel="chat").first())


def open_chat(page: Page, ticket: Ticket) -> None:
    page.goto(f"/agent/t/{ticket.pk}/")
    expect(page.locator("#chat-pane")).to_have_attribute("data-chat", "live")
    expect(page.locator("body")).to_have_attribute("data-live", "open")


def test_a_visitor_and_an_agent_chat_both_ways_through_the_chat_pane(
    live_hub: LiveHub,
    host_page,
    browser_page: Page,
    agent_page: Callable[[Agent], Page],
    shop_widget: Widget,
    online_agent: Agent,
) -> None:
    url = host_page(live_hub, shop_widget.key)
    allow(shop_widget, url)
    visitor = browser_page

    ticket = visitor_writes(visitor, url, "Hallo, ich habe eine Frage.")
    # Routing by capacity: the one online agent of the team with room takes the chat.
    assert wait_for(lambda: Ticket.objects.get(pk=ticket.pk).assignee_id) == online_agent.pk
    agent = agent_page(online_agent)
    open_chat(agent, ticket)
    pane = agent.locator("#chat-pane")
    log = agent.locator("#timeline")
    expect(log).to_contain_text("Hallo, ich habe eine Frage.")
    expect(agent.get_by_role("textbox", name="Chatnachricht an")).to_be_visible()

    # The visitor types: the agent sees it, then the message itself, as text.
    box = visitor.get_by_role("textbox", name="Nachricht")
    # The widget says "typing" at most every 3 s; typing this slowly crosses that at least once.
    box.press_sequentially("Wo ist mein Paket? <b>123</b>", delay=120)
    expect(pane.locator(".chat-typing")).to_be_visible()
    expect(pane.locator(".chat-typing")).to_contain_text("schreibt")
    # The live chat pane while the visitor types.
    assert_accessible(agent)
    box.press("Enter")
    expect(log.locator(".bubble.in", has_text="Wo ist mein Paket? <b>123</b>")).to_have_count(1)
    # Said once through the page's polite live region, for screen readers.
    expect(agent.locator("#announcer")).to_have_text(re.compile(r"^Neue Chatnachricht von .+: Wo ist mein Paket\?"))
    expect(pane.locator(".chat-typing")).to_be_hidden()
    assert log.locator("b").count() == 0
    # The agent has seen it: the visitor's message shows the agent's read receipt.
    expect(visitor.locator("hub-chat li.msg", has_text="Wo ist mein Paket?").locator(".read")).to_be_visible()

    # The agent answers: typing shows in the widget, Enter sends, Shift+Enter is a new line.
    reply = agent.locator("#chat-text")
    reply.press_sequentially("Es ist unterwegs,", delay=10)
    expect(visitor.get_by_text(f"{online_agent.user.first_name} schreibt…")).to_be_visible()
    # The shop page with the open widget, the agent typing and the read receipt.
    assert_accessible(visitor)
    reply.press("Shift+Enter")
    reply.press_sequentially("morgen ist es da.", delay=10)
    reply.press("Enter")
    expect(reply).to_have_value("")
    expect(visitor.locator("hub-chat li.msg", has_text="morgen ist es da.")).to_have_count(1)
    stored = wait_for(lambda: ChatMessage.objects.filter(sender="agent").first())
    assert stored.text == "Es ist unterwegs,\nmorgen ist es da."
    # Once the pipeline's timeline items are there, each message is shown once.
    expect(log.locator(".bubble[data-message-id]", has_text="Wo ist mein Paket?")).to_have_count(1)
    expect(log.locator(".bubble", has_text="Wo ist mein Paket?")).to_have_count(1)
    expect(log.locator(".bubble[data-message-id]", has_text="morgen ist es da.")).to_have_count(1)
    expect(log.locator(".bubble", has_text="morgen ist es da.")).to_have_count(1)
    assert Message.objects.filter(ticket=ticket, direction="out", channel="chat").count() == 1
    agent.screenshot(path=str(SHOTS / "chat-pane.png"))


class Relay:
    """Between the pane and the hub: each frame from the hub goes through ``from_hub``, which
    passes it on to the pane or not."""

    def __init__(self, page: Page) -> None:
        self.pane: WebSocketRoute | None = None
        self.hub: WebSocketRoute | None = None
        page.route_web_socket(re.compile(r"/ws/chat/agent/$"), self._handle)

    def _handle(self, ws: WebSocketRoute) -> None:
        self.pane, self.hub = ws, ws.connect_to_server()
        self.hub.on_message(lambda message: self.from_hub(_kind(message), message))
        ws.on_message(lambda message: self.hub.send(message) if self.hub else None)

    def from_hub(self, kind: str | None, message: str | bytes) -> None:
        assert self.pane is not None
        self.pane.send(message)


def _kind(message: str | bytes) -> str | None:
    try:
        kind = json.loads(message).get("type")
    except (TypeError, ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


class HoldConfirmations(Relay):
    """The hub's "sent" frames wait here until released, as on a slow line, so a reply stays on
    its way for as long as the test looks at it."""

    def __init__(self, page: Page) -> None:
        self.held: list[str | bytes] = []
        super().__init__(page)

    def from_hub(self, kind: str | None, message: str | bytes) -> None:
        if kind == "sent":
            self.held.append(message)
        else:
            super().from_hub(kind, message)

    def release(self) -> None:
        for message in self.held:
            super().from_hub("sent", message)
        self.held.clear()


def test_the_agent_sees_a_reply_on_its_way_then_read_by_the_visitor_and_both_read_clearly(
    live_hub: LiveHub,
    host_page,
    browser_page: Page,
    agent_page: Callable[[Agent], Page],
    shop_widget: Widget,
    online_agent: Agent,
) -> None:
    url = host_page(live_hub, shop_widget.key)
    allow(shop_widget, url)
    ticket = visitor_writes(browser_page, url, "Kann ich noch umtauschen?")
    agent = agent_page(online_agent)
    line = HoldConfirmations(agent)
    open_chat(agent, ticket)

    reply = agent.locator("#chat-text")
    reply.fill("Ja, bis zum Monatsende.")
    reply.press("Enter")

    # Stored and delivered, but the pane has not heard so: the reply says it is on its way,
    # and its text keeps the contrast of any other (it was faded below WCAG AA once).
    expect(browser_page.locator("hub-chat li.msg", has_text="Ja, bis zum Monatsende.")).to_be_visible()
    expect(agent.locator("#timeline [aria-busy=true]", has_text="Ja, bis zum Monatsende.")).to_contain_text("gesendet")
    assert_accessible(agent, ["#timeline"])

    line.release()
    answer = agent.locator("#timeline .bubble.out", has_text="Ja, bis zum Monatsende.")
    expect(answer).to_have_count(1)
    expect(answer).not_to_have_attribute("aria-busy", "true")
    expect(answer).to_contain_text("Gelesen")
    assert_accessible(agent)


class DropFirstConfirmation(Relay):
    """The first "sent" never arrives and the connection drops, as when a network dies just
    after the server stored the reply."""

    def __init__(self, page: Page) -> None:
        self.dropped = 0
        super().__init__(page)

    def from_hub(self, kind: str | None, message: str | bytes) -> None:
        if kind == "sent" and not self.dropped and self.pane and self.hub:
            self.dropped += 1
            self.pane.close()
            self.hub.close()
            return
        super().from_hub(kind, message)


def test_a_reply_whose_confirmation_was_lost_is_resent_once_after_reconnecting(
    live_hub: LiveHub,
    host_page,
    browser_page: Page,
    agent_page: Callable[[Agent], Page],
    shop_widget: Widget,
    online_agent: Agent,
) -> None:
    url = host_page(live_hub, shop_widget.key)
    allow(shop_widget, url)
    ticket = visitor_writes(browser_page, url, "Ist da jemand?")
    agent = agent_page(online_agent)
    link = DropFirstConfirmation(agent)
    open_chat(agent, ticket)

    reply = agent.locator("#chat-text")
    reply.fill("Ja, ich bin da.")
    reply.press("Enter")

    # Playwright's waits (not time.sleep) let the route above see the frames.
    log = agent.locator("#timeline")
    expect(log.locator(".bubble[data-message-id]", has_text="Ja, ich bin da.")).to_have_count(1)
    # The pending reply goes only when the resend is confirmed: one bubble, not two.
    expect(log.locator(".bubble", has_text="Ja, ich bin da.")).to_have_count(1)
    expect(agent.locator("#chat-pane")).to_have_attribute("data-chat", "live")
    expect(browser_page.locator("hub-chat li.msg", has_text="Ja, ich bin da.")).to_have_count(1)
    assert_accessible(agent)
    assert link.dropped == 1
    assert Message.objects.filter(ticket=ticket, direction="out", text="Ja, ich bin da.").count() == 1
    assert ChatMessage.objects.filter(sender="agent", text="Ja, ich bin da.").count() == 1


def test_a_solved_chat_says_so_and_once_the_visitor_is_gone_the_agent_answers_by_email(
    live_hub: LiveHub,
    host_page,
    browser_page: Page,
    agent_page: Callable[[Agent], Page],
    shop_widget: Widget,
    online_agent: Agent,
) -> None:
    shop_widget.prechat_fields = [{"name": "email", "required": True}, {"name": "name"}]
    shop_widget.save(update_fields=["prechat_fields"])
    url = host_page(live_hub, shop_widget.key)
    allow(shop_widget, url)
    visitor = browser_page
    visitor.goto(url)
    visitor.get_by_role("button", name="Chat öffnen").click()
    visitor.get_by_role("textbox", name="Name").fill("Eva Muster")
    visitor.get_by_role("textbox", name="E-Mail").fill("eva@example.de")
    visitor.get_by_role("button", name="Chat starten").click()
    box = visitor.get_by_role("textbox", name="Nachricht")
    box.fill("Können Sie mir die Rechnung schicken?")
    box.press("Enter")
    ticket = wait_for(lambda: Ticket.objects.filter(origin_channel="chat").first())
    agent = agent_page(online_agent)
    open_chat(agent, ticket)
    expect(agent.get_by_role("textbox", name="Chatnachricht an Eva Muster")).to_be_visible()

    agent.locator("#ticket-header select[name=status]").select_option("solved")

    pane = agent.locator("#chat-pane")
    expect(pane).to_have_attribute("data-chat", "ended")
    expect(pane.get_by_role("status")).to_contain_text("Der Chat ist gelöst.")
    expect(agent.locator("#chat-text")).to_be_hidden()
    # The pane of a solved chat, and the widget asking the visitor for a rating.
    assert_accessible(agent)
    assert_accessible(visitor)
    # The visitor rates the chat and is gone: what follows goes by email.
    visitor.locator("hub-chat .stars label").nth(4).click()
    visitor.get_by_role("button", name="Bewertung senden").click()
    expect(visitor.get_by_text("Danke für Ihre Bewertung!")).to_be_visible()
    pane.get_by_role("button", name="Im Ticket weiterarbeiten").click()
    expect(agent.locator("#chat-pane")).to_have_count(0)
    composer = agent.locator("#composer")
    expect(composer.get_by_role("button", name="Senden an eva@example.de (E-Mail)")).to_be_visible()
    composer.get_by_role("radio", name="Antwort").check()
    assert_accessible(agent)
    composer.get_by_role("textbox", name="Nachricht").fill("Die Rechnung ist unterwegs.")
    composer.get_by_role("textbox", name="Nachricht").press("Control+Enter")

    sent = wait_for(lambda: Message.objects.filter(ticket=ticket, text="Die Rechnung ist unterwegs.").first())
    assert sent.channel == "email"
