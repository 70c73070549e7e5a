"""The composer's side of collision detection: a reply begun before a colleague answered the
customer is held with the colleague's reply shown and "Send anyway"; notes are never held."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.translation import override

from hub.actions import do_reply
from hub.models import Agent, Direction, Draft, MessageKind, Team, Ticket
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "composer-notice"}


@pytest.fixture
def ticket(team: Team, agent: Agent, fake_channel: FakeChannel) -> Ticket:
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="fake", subject="Lieferung fehlt")
    MessageFactory.create(ticket=ticket, channel="fake", text="Wo bleibt meine Bestellung?")
    return ticket


@pytest.fixture
def jana(team: Team) -> Agent:
    return AgentFactory.create(teams=[team], user__first_name="Jana", user__last_name="Roth")


def send(client, ticket: Ticket, text: str, **extra: object):
    data = {"text": text, "mode": "reply", "client_id": "c0ffee-0002"} | extra
    return client.post(f"/agent/t/{ticket.pk}/send/", data, **HX)


def public_replies(ticket: Ticket) -> list[str]:
    replies = ticket.messages.filter(direction=Direction.OUTBOUND, kind=MessageKind.MESSAGE).order_by("pk")
    return list(replies.values_list("text", flat=True))


def test_a_reply_begun_before_a_colleague_answered_is_held_with_their_reply_even_when_already_seen(
    ticket, agent, jana, client_for, fake_channel
) -> None:
    began = ticket.messages.get().pk
    theirs = do_reply(ticket, agent=jana, text="Ist heute rausgegangen.")

    # The live timeline had shown Jana's reply: the agent "saw" it, but began before it.
    held = send(client_for(agent), ticket, "Kommt morgen.", seen_message_id=theirs.pk, after_message_id=began)

    assert held.status_code == 409
    html = held.content.decode()
    assert "Jana Roth hat dem Kunden geantwortet, während Sie schrieben." in html
    assert "Ist heute rausgegangen." in html
    for label in ("Trotzdem senden", "Antwort bearbeiten", "Antwort verwerfen"):
        assert label in html
    assert public_replies(ticket) == ["Ist heute rausgegangen."]

    forced = send(client_for(agent), ticket, "Kommt morgen.", after_message_id=began, force="1")

    assert forced.status_code == 200
    assert public_replies(ticket) == ["Ist heute rausgegangen.", "Kommt morgen."]


def test_the_held_notice_reads_in_english_for_an_english_speaking_agent(ticket, agent, jana, client_for) -> None:
    began = ticket.messages.get().pk
    do_reply(ticket, agent=jana, text="Shipped today.")
    Agent.objects.filter(pk=agent.pk).update(language="en")

    with override("en"):
        held = send(client_for(agent), ticket, "Tomorrow.", after_message_id=began)

    html = held.content.decode()
    assert "Jana Roth answered the customer while you were writing." in html
    assert "Send anyway" in html and "Edit my reply" in html and "Discard my reply" in html


def test_a_note_is_never_held_by_a_colleagues_reply(ticket, agent, jana, client_for) -> None:
    began = ticket.messages.get().pk
    do_reply(ticket, agent=jana, text="Ist heute rausgegangen.")

    response = send(client_for(agent), ticket, "Kunde ist VIP", mode="note", after_message_id=began)

    assert response.status_code == 200
    assert ticket.messages.filter(kind=MessageKind.NOTE).get().text == "Kunde ist VIP"


def test_the_composer_begins_a_fresh_reply_at_the_newest_message_and_a_draft_where_it_was_saved(
    ticket, agent, jana, client_for
) -> None:
    first = ticket.messages.get()
    client = client_for(agent)
    page = client.get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()
    assert re.search(rf'name="after_message_id" value="{first.pk}"', page)

    Draft.objects.create(ticket=ticket, agent=agent, text="Kommt morgen.")
    later = do_reply(ticket, agent=jana, text="Ist heute rausgegangen.")
    ticket.messages.filter(pk=later.pk).update(created_at=timezone.now() + timedelta(seconds=5))

    page = client.get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()

    # The draft began before Jana's reply: sending it unchanged is held.
    assert re.search(rf'name="after_message_id" value="{first.pk}"', page)
    assert re.search(rf'name="seen_message_id" value="{later.pk}"', page)
