"""What the chat declares to the hub and answers about its tickets, through the adapter contract."""

from __future__ import annotations

import pytest
from django.utils import timezone

from channels_chat import actions
from channels_chat.adapter import KEY, ChatAdapter, chat_of_ticket
from channels_chat.models import ChatSession, Widget
from channels_chat.tokens import new_visitor_token
from hub.access import visible_tickets
from hub.adapters import Capabilities, Session, get_adapter
from hub.models import Agent, InboundEvent, Ticket
from hub.pipeline import process_batch
from hub.tests.factories import AgentFactory, MessageFactory, TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def chat(widget: Widget, *, offline: bool = False, text: str = "Hallo") -> tuple[ChatSession, Ticket]:
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor, offline=offline)
    actions.post_visitor_message(session, client_id="c1", text=text)
    process_batch()
    ticket_id = actions.ticket_id_for(session)
    assert ticket_id is not None
    return session, Ticket.objects.get(pk=ticket_id)


def test_the_chat_registers_under_its_key_with_local_delivery_sessions_and_email_as_fallback() -> None:
    adapter = get_adapter(KEY)

    assert isinstance(adapter, ChatAdapter)
    assert adapter.capabilities == Capabilities(local_delivery=True, sessions=True, fallback_reply_channel="email")


def test_a_live_chat_wants_an_agent_and_an_offline_message_does_not(widget: Widget) -> None:
    live, _ticket = chat(widget)
    left, _other = chat(widget, offline=True)
    adapter = get_adapter(KEY)

    def interaction(session: ChatSession) -> bool:
        event = InboundEvent.objects.get(external_id__contains=str(session.public_id))
        return adapter.normalize(event).wants_agent

    assert interaction(live) is True
    assert interaction(left) is False


def test_the_session_of_a_chat_ticket_is_live_while_the_visitor_is_there(widget: Widget) -> None:
    session, ticket = chat(widget)
    actions.save_contact(session, name="Erika")
    actions.mark_read_by_visitor(session, 1)

    found = get_adapter(KEY).session_of(ticket.pk)

    assert found == Session(
        key=str(session.public_id), ticket_id=ticket.pk, live=True, reason="", visitor_name="Erika", visitor_read_seq=1
    )


def test_the_session_of_an_ended_or_offline_chat_is_not_live_and_says_why(widget: Widget) -> None:
    ended, ended_ticket = chat(widget)
    ChatSession.objects.filter(pk=ended.pk).update(ended_at=timezone.now())
    _offline, offline_ticket = chat(widget, offline=True)
    adapter = get_adapter(KEY)

    gone, left = adapter.session_of(ended_ticket.pk), adapter.session_of(offline_ticket.pk)

    assert gone is not None and not gone.live and gone.reason
    assert left is not None and not left.live and left.reason and left.reason != gone.reason


def test_a_ticket_without_a_chat_has_no_session(widget: Widget) -> None:
    assert get_adapter(KEY).session_of(TicketFactory.create().pk) is None


def test_a_tickets_chat_is_its_latest_and_the_scoped_lookup_keeps_to_what_the_agent_may_see(
    widget: Widget, agent: Agent
) -> None:
    first, ticket = chat(widget)
    # A later chat of the visitor whose message was moved onto this ticket by an agent.
    ChatSession.objects.filter(pk=first.pk).update(ended_at=timezone.now())
    second = ChatSession.objects.create(widget=widget, visitor_id=first.visitor_id)
    MessageFactory.create(ticket=ticket, channel=KEY, thread_key=str(second.public_id))
    stranger = AgentFactory.create(teams=[TeamFactory.create(slug="elsewhere")])

    assert chat_of_ticket(ticket.pk) == second
    assert chat_of_ticket(ticket.pk, scope=visible_tickets(agent)) == second
    assert chat_of_ticket(ticket.pk, scope=visible_tickets(stranger)) is None
