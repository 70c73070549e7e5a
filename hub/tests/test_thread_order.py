"""Mail that comes out of order still makes one conversation.

A reply can be stored before the message it answers: mail overtakes mail on the way, and a
message whose processing failed once is retried after the reply went through. The reply then
opens a ticket of its own, and the message it answers, when it comes, joins that ticket; so do
further replies to the same message. A timeline event says why.
"""

from __future__ import annotations

import pytest

from hub.models import EventKind, InboundEvent, Message, Ticket, TicketEvent
from hub.pipeline import process_batch, receive
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)

PARENT = "<anfrage@kunde.example>"


def mail(external_id: str, *, sender: str = "max@kunde.example", replies_to: str = "", text: str = "") -> InboundEvent:
    replies = [replies_to] if replies_to else []
    event, created = receive(
        "fake",
        external_id,
        payload(email=sender, text=text or external_id, message_id=external_id, in_reply_to=replies),
    )
    assert created
    return event


def ticket_of(external_id: str) -> Ticket:
    return Message.objects.get(external_id=external_id).ticket


def test_a_message_whose_reply_came_first_joins_the_replys_ticket_and_the_timeline_says_why(
    fake_channel: FakeChannel,
) -> None:
    mail("<nachtrag@kunde.example>", replies_to=PARENT, text="Nachtrag: die Rechnung hängt an")

    mail(PARENT, text="Meine Bestellung ist nicht angekommen")

    ticket = ticket_of(PARENT)
    assert ticket == ticket_of("<nachtrag@kunde.example>")
    assert Ticket.objects.count() == 1
    assert sorted(ticket.messages.values_list("text", flat=True)) == [
        "Meine Bestellung ist nicht angekommen",
        "Nachtrag: die Rechnung hängt an",
    ]
    parent = Message.objects.get(external_id=PARENT)
    why = TicketEvent.objects.get(ticket=ticket, kind=EventKind.THREADED, data__message_id=parent.pk)
    assert why.data["reason"] == "message <nachtrag@kunde.example>, which came first, replies to it"


def test_two_replies_to_a_message_not_here_yet_share_one_ticket_which_the_message_joins(
    fake_channel: FakeChannel,
) -> None:
    mail("<erste-antwort@kunde.example>", replies_to=PARENT)
    mail("<zweite-antwort@kunde.example>", replies_to=PARENT)
    mail(PARENT)

    assert ticket_of("<zweite-antwort@kunde.example>") == ticket_of("<erste-antwort@kunde.example>")
    assert ticket_of(PARENT) == ticket_of("<erste-antwort@kunde.example>")
    assert Ticket.objects.count() == 1


def test_a_strangers_message_that_an_early_reply_names_opens_its_own_ticket_linked_to_the_reply(
    fake_channel: FakeChannel,
) -> None:
    mail("<antwort@kunde.example>", replies_to="<fremd@anderswo.example>")

    mail("<fremd@anderswo.example>", sender="fremd@anderswo.example")

    reply_ticket, stranger_ticket = ticket_of("<antwort@kunde.example>"), ticket_of("<fremd@anderswo.example>")
    assert stranger_ticket != reply_ticket
    linked = TicketEvent.objects.get(ticket=stranger_ticket, kind=EventKind.LINKED)
    assert linked.data["linked_ticket_id"] == reply_ticket.pk
    assert "but the sender does not take part in it" in linked.data["reason"]


def test_a_reply_and_the_message_it_answers_in_one_batch_in_the_wrong_order_give_one_ticket(
    fake_channel: FakeChannel,
) -> None:
    # Written as the door writes them, drained together: the reply has the older receipt.
    for external_id, replies_to in (("<antwort@kunde.example>", PARENT), (PARENT, "")):
        fields = payload(message_id=external_id, in_reply_to=[replies_to] if replies_to else [])
        InboundEvent.objects.create(channel="fake", external_id=external_id, payload=fields)

    assert process_batch().claimed == 2

    assert ticket_of(PARENT) == ticket_of("<antwort@kunde.example>")
    assert Ticket.objects.count() == 1


def test_a_chat_session_is_not_taken_for_a_message_a_reply_waits_for(fake_channel: FakeChannel) -> None:
    mail("<antwort@kunde.example>", replies_to="chat-session-1")

    receive("fake", "chat-1", payload(message_id="chat-1", session="chat-session-1", text="Hallo im Chat"))

    assert ticket_of("chat-1") != ticket_of("<antwort@kunde.example>")
