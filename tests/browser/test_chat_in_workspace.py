"""An anonymous visitor's chat in the workspace as the agent sees it: one short label for the
visitor everywhere, a file sent alone shown as the file, and a solved chat that no longer
sends the agent to the chat above."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from playwright.sync_api import Page, expect

from channels_chat import actions
from channels_chat.models import Widget
from channels_chat.tokens import new_visitor_token
from hub.models import Agent, Team, Ticket
from tests.browser.axe import assert_accessible
from tests.browser.test_workspace_console import listen

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def widget(team: Team) -> Widget:
    return Widget.objects.create(name="Shop", team=team, allowed_origins=["https://shop.example"])


def visitor_writes(widget: Widget, agent: Agent, text: str = "", filename: str = "") -> Ticket:
    """A visitor opens a chat and writes (or sends only a file), in a thread of its own as the
    chat consumer would: this thread runs Playwright's event loop."""

    def run() -> int:
        try:
            _token, visitor = new_visitor_token(widget)
            session = actions.open_session(widget, visitor)
            upload = SimpleUploadedFile(filename, b"%PDF-1.4", content_type="application/pdf") if filename else None
            actions.post_visitor_message(session, client_id="v1", text=text, upload=upload)
            ticket_id = actions.ticket_id_for(session)
            assert ticket_id is not None
            Ticket.objects.filter(pk=ticket_id).update(assignee=agent)
            return ticket_id
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return Ticket.objects.get(pk=pool.submit(run).result())


def inside(page: Page, inner: str, outer: str) -> bool:
    box, frame = page.locator(inner).bounding_box(), page.locator(outer).bounding_box()
    assert box and frame
    return box["x"] >= frame["x"] - 0.5 and box["x"] + box["width"] <= frame["x"] + frame["width"] + 0.5


def test_an_anonymous_visitor_is_one_short_label_in_list_timeline_and_panel(
    new_page, agent: Agent, widget: Widget
) -> None:
    ticket = visitor_writes(widget, agent, text="Hallo, ist jemand da?")
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")

    label = page.locator(f"#list .row[data-ticket-id='{ticket.pk}'] .row-customer").inner_text()
    assert label.startswith("Besucher ") and len(label) == len("Besucher 4F2A")
    expect(page.locator("#timeline .bubble.in .sender")).to_have_text(label)
    expect(page.locator("#customer-title")).to_have_text(label)
    expect(page.locator("#customer .identities")).to_contain_text(label)
    expect(page.locator("#customer .chip-ok")).to_have_count(0)
    assert inside(page, "#customer-title", "#customer")
    assert_accessible(page)


def test_a_file_sent_alone_is_shown_as_the_file_and_previewed_by_name(new_page, agent: Agent, widget: Widget) -> None:
    ticket = visitor_writes(widget, agent, filename="rechnung.pdf")
    page = new_page(agent)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")

    expect(page.locator(f"#list .row[data-ticket-id='{ticket.pk}'] .row-preview")).to_have_text("Anhang: rechnung.pdf")
    bubble = page.locator("#timeline .bubble.in")
    expect(bubble.get_by_role("link", name="rechnung.pdf")).to_be_visible()
    expect(bubble.locator(".bubble-body")).to_have_count(0)
    assert_accessible(page)


def test_a_solved_chat_no_longer_tells_the_agent_to_answer_in_the_chat_above(
    new_page, agent: Agent, widget: Widget
) -> None:
    ticket = visitor_writes(widget, agent, text="Danke, das war alles.")
    page = new_page(agent)
    heard = listen(page)
    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    expect(page.locator("#chat-pane")).to_have_attribute("data-chat", "live")
    via = page.locator("#composer .via")
    expect(via).to_contain_text("Live-Chat")
    expect(via.locator(".unusable")).to_have_count(1)
    # A live chat: the chat pane above the composer, whose own channel cannot be used.
    assert_accessible(page)

    page.locator("#ticket-header select[name=status]").select_option("solved")

    expect(page.locator("#chat-pane")).to_have_attribute("data-chat", "ended")
    expect(via).not_to_contain_text("Live-Chat")
    expect(via).to_contain_text("Der Chat ist gelöst.")
    expect(via.locator(".unusable")).to_have_count(0)
    assert_accessible(page)
    assert heard == []


def test_a_new_chat_is_offered_with_annehmen_and_becomes_the_agents(new_page, agent: Agent, widget: Widget) -> None:
    page = new_page(agent)
    page.goto("/agent/v/mine/")
    expect(page.locator("body")).to_have_attribute("data-live", "open")

    def write() -> int:
        try:
            _token, visitor = new_visitor_token(widget)
            session = actions.open_session(widget, visitor)
            actions.post_visitor_message(session, client_id="v1", text="Wann liefern Sie?")
            ticket_id = actions.ticket_id_for(session)
            assert ticket_id is not None
            return ticket_id
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        ticket_id = pool.submit(write).result()

    offer = page.get_by_role("region", name="Neue Chats").get_by_role("region", name="Neuer Chat")
    expect(offer).to_contain_text("Besucher")
    expect(page.locator("#announcer")).to_have_text("Neuer Chat von Besucher")
    assert_accessible(page)
    offer.get_by_role("button", name="Annehmen").click()

    expect(page).to_have_url(re.compile(rf"/t/{ticket_id}/$"))
    expect(page.locator("#ticket-header")).to_be_visible()
    assert Ticket.objects.get(pk=ticket_id).assignee == agent
