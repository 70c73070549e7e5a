"""Transcripts go out as the hub's automatic customer mail: on the ticket, under the loop guard."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from channels_chat import actions
from channels_chat.models import ChatSession, Widget
from channels_chat.tasks import send_transcript
from channels_chat.tokens import new_visitor_token
from hub.actions import do_reply
from hub.models import Agent, AutomaticMessage, Direction, Message, MessageKind, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


def chat_with_answer(widget: Widget, agent: Agent, email: str = "eva@example.de") -> tuple[ChatSession, Ticket]:
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor, language="de")
    actions.save_contact(session, name="Eva", email=email)
    actions.post_visitor_message(session, client_id="c1", text="Wo ist mein Paket?")
    ticket = Ticket.objects.get(pk=actions.ticket_id_for(session) or 0)
    do_reply(ticket, agent=agent, text="Es ist unterwegs.", channel="chat")
    return session, ticket


def test_a_transcript_is_an_automatic_message_on_the_chats_ticket(widget: Widget, agent: Agent) -> None:
    session, ticket = chat_with_answer(widget, agent)

    actions.request_transcript(session)

    message = Message.objects.get(ticket=ticket, kind=MessageKind.SYSTEM)
    assert (message.direction, message.channel, message.metadata["automatic"]) == (
        Direction.OUTBOUND,
        "email",
        "transcript",
    )
    assert message.metadata["to"] == ["eva@example.de"]
    assert "Wo ist mein Paket?" in message.text and "Es ist unterwegs." in message.text
    assert AutomaticMessage.objects.get(ticket=ticket).kind == "transcript"
    assert [m.to for m in mail.outbox] == [["eva@example.de"]]


def test_a_transcript_task_that_runs_again_sends_nothing_more(widget: Widget, agent: Agent) -> None:
    session, _ticket = chat_with_answer(widget, agent)
    actions.request_transcript(session)

    assert send_transcript.delay(session.pk).get() == "skipped"
    assert len(mail.outbox) == 1


def test_the_loop_limit_stops_transcripts_to_an_address_that_had_too_many(
    widget: Widget, agent: Agent, settings
) -> None:
    settings.AUTO_MESSAGE_LIMIT = 0
    session, ticket = chat_with_answer(widget, agent)

    actions.request_transcript(session)

    assert mail.outbox == []
    assert not Message.objects.filter(ticket=ticket, kind=MessageKind.SYSTEM).exists()
    assert AutomaticMessage.objects.get(ticket=ticket).suppressed
    session.refresh_from_db()
    assert session.transcript_sent_at is not None  # handled: a rerun does not try again


def test_a_transcript_of_a_chat_that_is_no_ticket_sends_nothing_and_stays_asked_for(widget: Widget) -> None:
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor, verified_email="eva@example.de")

    actions.request_transcript(session)  # in-process: the pipeline had its chance already

    session.refresh_from_db()
    assert session.transcript_sent_at is None
    assert mail.outbox == []
    assert not AutomaticMessage.objects.exists()


def test_a_transcript_to_an_address_the_visitor_only_typed_waits_for_an_answer(widget: Widget, agent: Agent) -> None:
    # Before anyone answered, it would mail the visitor's own text to whatever address they typed.
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor, language="de")
    actions.save_contact(session, name="Eva", email="jemand@example.org")
    actions.post_visitor_message(session, client_id="c1", text="Gewinnspiel! https://phish.example")

    with pytest.raises(actions.ChatError) as refused:
        actions.request_transcript(session)

    assert refused.value.code == "transcript_needs_answer"
    assert send_transcript.delay(session.pk).get() in ("skipped", "not_answered")
    assert mail.outbox == []
    do_reply(Ticket.objects.get(), agent=agent, text="Wie können wir helfen?", channel="chat")
    actions.request_transcript(session)
    assert [m.to for m in mail.outbox] == [["jemand@example.org"]]


def test_a_transcript_task_queued_before_the_rule_still_sends_nothing_unanswered(widget: Widget) -> None:
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor, language="de")
    actions.save_contact(session, email="jemand@example.org")
    actions.post_visitor_message(session, client_id="c1", text="Hallo")
    ChatSession.objects.filter(pk=session.pk).update(transcript_requested_at=timezone.now())

    assert send_transcript.delay(session.pk).get() == "not_answered"
    assert mail.outbox == []
