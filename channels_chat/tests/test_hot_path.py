"""What a chat message costs, and what the lean paths must still do.

A visitor's message is one statement; an agent's reply from the chat pane at most eight
queries, stored as a hub Message and delivered to the chat in its own transaction. The
ceilings are what a regression would break (bench/bench_chat.py measures the time).
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from channels_chat import actions
from channels_chat.models import ChatMessage, ChatSession, Widget
from channels_chat.tokens import new_visitor_token
from hub.actions import do_reply
from hub.actions.messages import ChannelUnavailable
from hub.models import Agent, DeliveryStatus, InboundEvent, Message, Ticket, TicketEvent, TicketStatus
from hub.pipeline import process_batch
from hub.ratelimit import allow, allow_all
from hub.tests.factories import AgentFactory, TeamFactory

pytestmark = pytest.mark.django_db(transaction=True)


def chat(widget: Widget) -> tuple[ChatSession, Ticket]:
    """A visitor's conversation whose first message the pipeline has made a ticket."""
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor)
    actions.post_visitor_message(session, client_id="hello", text="Hallo")
    process_batch()
    ticket_id = actions.ticket_id_for(session)
    assert ticket_id is not None
    return session, Ticket.objects.get(pk=ticket_id)


@pytest.mark.postgres(reason="one data-modifying CTE is PostgreSQL's; SQLite takes the ORM steps")
def test_a_visitor_message_is_one_statement_with_its_inbound_event(widget: Widget) -> None:
    session, _ticket = chat(widget)

    # In a transaction, so that the pipeline (in-process in tests) runs after the count.
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        message, created = actions.post_visitor_message(session, client_id="c2", text="Wo ist mein Paket?")

    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1
    assert created and message.seq == 2
    event = InboundEvent.objects.get(external_id=f"{widget.key}:{session.public_id}:c2")
    assert event.payload["chat_message"] == message.pk and event.payload["seq"] == 2
    assert (event.payload["widget"], event.payload["team"]) == (widget.key, "support")
    assert event.payload["text"] == "Wo ist mein Paket?"


@pytest.mark.parametrize(
    "one_statement",
    [
        pytest.param(True, marks=pytest.mark.postgres(reason="the one-statement SQL is PostgreSQL's")),
        False,
    ],
    ids=["postgresql", "orm"],
)
def test_both_ways_of_appending_write_the_same_message_and_event(
    widget: Widget, one_statement: bool, monkeypatch
) -> None:
    """The ORM way is what SQLite (the embedded mode) takes; both must agree."""
    from channels_chat import append

    real = append.use_one_statement
    monkeypatch.setattr(append, "use_one_statement", lambda wanted: one_statement if wanted is None else real(wanted))
    _token, visitor = new_visitor_token(widget)
    session = actions.open_session(widget, visitor, language="de", timezone_name="Europe/Berlin")
    actions.save_contact(session, name="Erika", email="erika@example.com")

    first, _ = actions.post_visitor_message(session, client_id="a", text="eins")
    second, _ = actions.post_visitor_message(session, client_id="b", text="zwei")
    again, created = actions.post_visitor_message(session, client_id="a", text="eins")

    assert (first.seq, second.seq, again.seq, again.pk, created) == (1, 2, 1, first.pk, False)
    payload = InboundEvent.objects.get(external_id=f"{widget.key}:{session.public_id}:b").payload
    assert payload | {"sent_at": "-"} == {
        "widget": widget.key,
        "team": "support",
        "session": str(session.public_id),
        "visitor": session.visitor_id,
        "chat_message": second.pk,
        "seq": 2,
        "text": "zwei",
        "name": "Erika",
        "email": "erika@example.com",
        "verified_email": "",
        "verified_user_id": "",
        "offline": False,
        "language": "de",
        "timezone": "Europe/Berlin",
        "sent_at": "-",
        "attachment": None,
    }
    process_batch()
    ticket = Ticket.objects.get(pk=actions.ticket_id_for(session) or 0)
    agent = AgentFactory.create(teams=[widget.team])
    do_reply(ticket, agent=agent, text="Gern", channel="chat")
    assert list(session.messages.order_by("seq").values_list("seq", "sender")) == [
        (1, "visitor"),
        (2, "visitor"),
        (3, "agent"),
    ]


def test_an_ended_chat_takes_no_more_visitor_messages(widget: Widget) -> None:
    session, _ticket = chat(widget)
    ChatSession.objects.filter(pk=session.pk).update(ended_at=session.created_at)

    with pytest.raises(actions.ChatError, match="ended"):
        actions.post_visitor_message(session, client_id="late", text="Hallo?")
    assert not ChatMessage.objects.filter(client_id="late").exists()


@pytest.mark.postgres(reason="the count is of the PostgreSQL path (row lock and one-statement append)")
def test_an_agent_reply_from_the_pane_costs_seven_queries_and_reads_the_ticket_once_under_its_lock(
    widget: Widget, agent: Agent, django_assert_max_num_queries
) -> None:
    _session, ticket = chat(widget)
    do_reply(ticket, agent=agent, text="Erste Antwort", channel="chat")  # the first reply also assigns

    with django_assert_max_num_queries(7) as queries:
        message = actions.reply_from_pane(agent, ticket.pk, text="Noch etwas?", client_id="k2")

    assert message is not None and message.delivery_status == DeliveryStatus.SENT
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "hub_ticket"' in q["sql"] and "SELECT" in q["sql"]]
    assert len(reads) == 1 and reads[0].endswith("FOR NO KEY UPDATE")


def test_a_pane_reply_is_a_hub_message_delivered_to_the_chat_with_its_events(widget: Widget, agent: Agent) -> None:
    session, ticket = chat(widget)

    message = actions.reply_from_pane(agent, ticket.pk, text="Wie kann ich helfen?", client_id="k1")
    again = actions.reply_from_pane(agent, ticket.pk, text="Wie kann ich helfen?", client_id="k1")

    assert message is not None and again is not None and again.pk == message.pk
    logged = ChatMessage.objects.get(session=session, sender="agent")
    assert (logged.hub_message_id, logged.text, logged.seq) == (message.pk, "Wie kann ich helfen?", 2)
    ticket.refresh_from_db()
    assert (ticket.assignee_id, ticket.status, ticket.message_count) == (agent.pk, TicketStatus.OPEN, 2)
    assert ticket.first_response_at is not None
    kinds = list(TicketEvent.objects.filter(ticket=ticket, actor=agent).order_by("id").values_list("kind", flat=True))
    assert kinds == ["assigned", "replied", "status"]


def test_a_first_reply_writes_the_ticket_row_once(widget: Widget, agent: Agent) -> None:
    """A second UPDATE of the row in one transaction makes PostgreSQL re-check its foreign keys at
    commit, key-share locking the customer that the pipeline locks first: a deadlock under load."""
    _session, ticket = chat(widget)

    with CaptureQueriesContext(connection) as queries:
        do_reply(ticket, agent=agent, text="Hallo", channel="chat")

    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "hub_ticket"')]
    assert len(updates) == 1


def test_a_reply_to_a_chat_that_ended_is_not_stored(widget: Widget, agent: Agent) -> None:
    session, ticket = chat(widget)
    ChatSession.objects.filter(pk=session.pk).update(ended_at=session.created_at)

    with pytest.raises(ChannelUnavailable):
        do_reply(ticket, agent=agent, text="Zu spät", channel="chat")

    assert not Message.objects.filter(ticket=ticket, text="Zu spät").exists()
    assert actions.reply_from_pane(agent, ticket.pk, text="Zu spät", client_id="k9") is None


def test_an_agent_of_another_team_cannot_reply_from_the_pane(widget: Widget) -> None:
    _session, ticket = chat(widget)
    stranger = AgentFactory.create(teams=[TeamFactory.create(slug="elsewhere")])

    assert actions.reply_from_pane(stranger, ticket.pk, text="Hallo", client_id="k1") is None
    assert not Message.objects.filter(ticket=ticket, author_agent=stranger).exists()


def test_a_pane_reply_to_a_ticket_that_is_gone_is_refused_quietly(widget: Widget, agent: Agent) -> None:
    _session, ticket = chat(widget)

    assert actions.reply_from_pane(agent, ticket.pk + 1000, text="Hallo", client_id="k1") is None


def test_both_rate_limits_count_in_one_go_and_with_the_single_check(settings) -> None:
    limits = [("test-visitor", "v1", 3), ("test-ip", "10.0.0.1", 5)]

    assert [allow_all(limits) for _ in range(3)] == [True, True, True]
    assert allow_all(limits) is False  # the visitor's fourth, not counted for the address
    assert allow("test-ip", "10.0.0.1", 5) is True  # the address's fourth hit
    assert allow_all([("test-ip", "10.0.0.1", 5)]) is True
    assert allow_all([("test-ip", "10.0.0.1", 5)]) is False
