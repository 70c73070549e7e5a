"""A chat ticket whose visitor is still there opens as a live chat pane; once the visitor has
gone (or the chat is solved) the ticket reads like any other and is answered by email when the
visitor left an address."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_chat import actions
from channels_chat.models import ChatSession, Widget
from channels_chat.tokens import new_visitor_token
from hub.models import Agent, Message, Team, Ticket, TicketStatus
from hub.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def widget(team: Team) -> Widget:
    return Widget.objects.create(name="Shop", team=team, allowed_origins=["https://shop.example"])


def chat(widget: Widget, email: str = "", name: str = "") -> tuple[ChatSession, Ticket]:
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor)
    if email or name:
        actions.save_contact(session, name=name, email=email)
    actions.post_visitor_message(session, client_id="v1", text="Wo ist mein <b>Paket</b>?")
    ticket_id = actions.ticket_id_for(session)
    assert ticket_id is not None
    return session, Ticket.objects.get(pk=ticket_id)


def test_a_live_chat_opens_as_a_chat_pane_and_the_composer_takes_notes(
    widget: Widget, agent: Agent, client_for
) -> None:
    _session, ticket = chat(widget, name="Eva")

    html = client_for(agent).get(f"/agent/t/{ticket.pk}/", HTTP_HX_TARGET="ticket", **HX).content.decode()

    assert 'id="chat-pane"' in html
    assert 'data-ws-url="/ws/chat/agent/"' in html
    assert "Eva schreibt …" in html  # the typing line, translated and named
    assert 'id="chat-pane-strings"' in html and "Neue Chatnachricht von Eva" in html
    # The visitor's text is escaped in the timeline the pane continues.
    assert "Wo ist mein &lt;b&gt;Paket&lt;/b&gt;?" in html
    assert 'data-chat-seq="1"' in html
    # Replies go through the pane; the composer below is for internal notes.
    assert 'value="note" checked' in html
    assert "bitte oben im Live-Chat antworten" in html


def test_a_chat_the_visitor_left_is_answered_by_email_from_the_composer(
    widget: Widget, agent: Agent, client_for, django_capture_on_commit_callbacks
) -> None:
    session, ticket = chat(widget, email="eva@example.de")
    ChatSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    client = client_for(agent)

    html = client.get(f"/agent/t/{ticket.pk}/", HTTP_HX_TARGET="ticket", **HX).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            f"/agent/t/{ticket.pk}/send/",
            {"text": "Ihr Paket kommt morgen.", "mode": "reply", "client_id": "reply-0001"},
            HTTP_HX_TARGET="composer-notice",
            **HX,
        )

    assert 'id="chat-pane"' not in html
    assert "Senden an eva@example.de (E-Mail)" in html
    assert sent.status_code == 200
    reply = Message.objects.get(ticket=ticket, direction="out")
    assert reply.channel == "email"
    assert [m.to for m in mail.outbox] == [["eva@example.de"]]


def test_a_chat_the_visitor_left_without_an_address_can_only_take_notes(
    widget: Widget, agent: Agent, client_for
) -> None:
    session, ticket = chat(widget)
    ChatSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())

    html = client_for(agent).get(f"/agent/t/{ticket.pk}/", HTTP_HX_TARGET="ticket", **HX).content.decode()

    assert 'id="chat-pane"' not in html
    assert "Chat beendet" in html
    assert 'value="note" checked' in html


def test_a_solved_chat_opens_without_the_pane(widget: Widget, agent: Agent, client_for) -> None:
    _session, ticket = chat(widget)
    Ticket.objects.filter(pk=ticket.pk).update(status=TicketStatus.SOLVED)

    html = client_for(agent).get(f"/agent/t/{ticket.pk}/", HTTP_HX_TARGET="ticket", **HX).content.decode()

    assert 'id="chat-pane"' not in html
    assert "Wo ist mein &lt;b&gt;Paket&lt;/b&gt;?" in html


def test_other_channels_cost_no_query_for_the_chat_pane(team: Team, agent: Agent, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="email")
    MessageFactory.create(ticket=ticket, channel="email", text="Hallo")
    client = client_for(agent)

    with CaptureQueriesContext(connection) as queries:
        client.get(f"/agent/t/{ticket.pk}/", HTTP_HX_TARGET="ticket", **HX)

    assert not any("channels_chat_chatsession" in q["sql"] for q in queries.captured_queries)
