"""A live chat's ticket is titled by what the visitor first wrote, in lists and search too."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from channels_chat import actions
from channels_chat.models import Widget
from channels_chat.tokens import new_visitor_token
from hub.models import Team, Ticket
from hub.pipeline import process_batch
from hub.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

FIRST = "Hallo, meine Bestellung 4711 ist seit zwei Wochen nicht angekommen und der Link zur Sendungsverfolgung"


def _chat(team: Team, text: str) -> Ticket:
    widget = Widget.objects.create(name="Shop", team=team, allowed_origins=["https://shop.example"])
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor)
    actions.post_visitor_message(session, client_id="first", text=text)
    process_batch()
    ticket_id = actions.ticket_id_for(session)
    assert ticket_id is not None
    return Ticket.objects.get(pk=ticket_id)


def test_a_chat_ticket_is_titled_by_the_visitors_first_words_cut_at_a_word(team: Team, agent, client_for) -> None:
    ticket = _chat(team, FIRST)

    assert ticket.subject == "Hallo, meine Bestellung 4711 ist seit zwei Wochen nicht…"
    assert len(ticket.subject) <= 60
    rows = client_for(agent).get("/agent/v/teams/").content.decode()
    assert "Hallo, meine Bestellung 4711" in rows


def test_a_short_first_chat_message_is_the_whole_title(team: Team) -> None:
    assert _chat(team, "  Wo ist\nmein Paket? ").subject == "Wo ist mein Paket?"


def test_the_migration_retitles_existing_chat_tickets_from_their_first_message(team: Team) -> None:
    old = TicketFactory.create(team=team, subject="Chat", origin_channel="chat")
    MessageFactory.create(ticket=old, channel="chat", text=FIRST)
    mail = TicketFactory.create(team=team, subject="Chat", origin_channel="email")
    migration = importlib.import_module("hub.migrations.0023_ticket_links_and_chat_titles")

    migration.title_chats(django_apps, None)

    old.refresh_from_db()
    mail.refresh_from_db()
    assert old.subject.startswith("Hallo, meine Bestellung") and old.subject.endswith("…")
    assert mail.subject == "Chat"
