from __future__ import annotations

import uuid
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from channels_chat.consumers import AgentChatConsumer
from channels_chat.models import ChatMessage, ChatSession, Widget
from channels_chat.tests.conftest import ORIGIN, receive_until
from channels_chat.tokens import Visitor, new_visitor_token, visitor_token
from hub.actions import do_reply
from hub.models import Agent, Message, Role, Ticket
from hub.tests.factories import AgentFactory, TeamFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


def cid() -> str:
    return uuid.uuid4().hex


async def send(ws: WebsocketCommunicator, text: str, client_id: str | None = None) -> dict:
    client_id = client_id or cid()
    await ws.send_json_to({"type": "message", "client_id": client_id, "text": text})
    frames = await receive_until(ws, "ack")
    return frames[-1]


async def following(agent: Agent, ticket: Ticket) -> WebsocketCommunicator:
    """The agent's chat pane, connected and following the ticket's chat, its history read."""
    pane = WebsocketCommunicator(AgentChatConsumer.as_asgi(), "/ws/chat/agent/")
    pane.scope["user"] = await database_sync_to_async(lambda: agent.user)()
    assert (await pane.connect())[0]
    await pane.send_json_to({"type": "follow", "ticket_id": ticket.pk})
    await pane.receive_json_from(timeout=5)  # the history so far
    return pane


@database_sync_to_async
def agent_reply(agent: Agent, text: str) -> Message:
    ticket = Ticket.objects.get(origin_channel="chat")
    return do_reply(ticket, agent=agent, text=text, channel="chat")


async def test_a_visitor_message_gets_a_sequence_and_becomes_a_chat_ticket_of_the_widgets_team(
    widget: Widget, visitor, connect
) -> None:
    ws = await connect(widget, visitor[0])

    ack = await send(ws, "Hallo, wo ist mein Paket?")

    assert ack["seq"] == 1
    ticket = await database_sync_to_async(Ticket.objects.get)()
    assert ticket.origin_channel == "chat"
    assert ticket.team_id == widget.team_id
    message = await database_sync_to_async(ticket.messages.get)()
    assert message.text == "Hallo, wo ist mein Paket?"
    session = await database_sync_to_async(ChatSession.objects.get)()
    assert message.thread_key == str(session.public_id)


async def test_a_resent_client_id_gives_one_message_with_its_first_sequence(widget: Widget, visitor, connect) -> None:
    ws = await connect(widget, visitor[0])
    client_id = cid()

    first = await send(ws, "eins", client_id)
    again = await send(ws, "eins", client_id)
    second = await send(ws, "zwei")

    assert (first["seq"], again["seq"], second["seq"]) == (1, 1, 2)
    assert await database_sync_to_async(ChatMessage.objects.count)() == 2
    assert await database_sync_to_async(Message.objects.filter(channel="chat").count)() == 2


async def test_after_a_drop_the_visitor_gets_everything_missed_once_and_in_order(
    widget: Widget, visitor, agent: Agent, connect
) -> None:
    ws = await connect(widget, visitor[0])
    await send(ws, "Frage 1")
    await receive_until(ws, "message")  # our own message, broadcast to all tabs
    await ws.disconnect()

    for text in ("Antwort A", "Antwort B", "Antwort C"):
        await agent_reply(agent, text)

    again = await connect(widget, visitor[0])
    await again.send_json_to({"type": "resume", "after": 1})
    frames = await receive_until(again, "synced")

    messages = [f for f in frames if f["type"] == "message"]
    assert [(m["seq"], m["text"], m["from"]) for m in messages] == [
        (2, "Antwort A", "agent"),
        (3, "Antwort B", "agent"),
        (4, "Antwort C", "agent"),
    ]
    assert messages[0]["agent"]["name"]
    assert frames[-1]["last_seq"] == 4
    assert await again.receive_nothing(timeout=0.3)


async def test_an_agent_reply_reaches_every_open_tab_of_the_visitor(
    widget: Widget, visitor, agent: Agent, connect
) -> None:
    tab1 = await connect(widget, visitor[0])
    tab2 = await connect(widget, visitor[0])
    await send(tab1, "Hallo")
    await receive_until(tab1, "message")
    await receive_until(tab2, "message")

    await agent_reply(agent, "Guten Tag!")

    for tab in (tab1, tab2):
        frame = await tab.receive_json_from(timeout=5)
        assert (frame["type"], frame["seq"], frame["text"]) == ("message", 2, "Guten Tag!")


async def test_typing_and_read_receipts_pass_between_visitor_and_agent(
    widget: Widget, visitor, agent: Agent, connect
) -> None:
    ws, ticket = await chat_with_ticket(connect, widget, visitor)
    pane = WebsocketCommunicator(AgentChatConsumer.as_asgi(), "/ws/chat/agent/")
    pane.scope["user"] = await database_sync_to_async(lambda: agent.user)()
    assert (await pane.connect())[0]
    await pane.send_json_to({"type": "follow", "ticket_id": ticket.pk})
    history = await pane.receive_json_from(timeout=5)
    assert [m["text"] for m in history["messages"]] == ["Hallo"]

    await ws.send_json_to({"type": "typing", "active": True})
    typing = await pane.receive_json_from(timeout=5)
    assert (typing["type"], typing["active"]) == ("chat.typing", True)

    await pane.send_json_to({"type": "typing", "ticket_id": ticket.pk, "active": True})
    assert (await ws.receive_json_from(timeout=5))["type"] == "typing"

    await pane.send_json_to({"type": "read", "ticket_id": ticket.pk, "seq": 1})
    assert await ws.receive_json_from(timeout=5) == {"type": "read", "by": "agent", "seq": 1}

    await ws.send_json_to({"type": "read", "seq": 1})
    read = (await receive_until(pane, "chat.read"))[-1]
    assert read["seq"] == 1
    await pane.disconnect()


async def test_the_agent_pane_sends_a_reply_that_the_visitor_receives(
    widget: Widget, visitor, agent: Agent, connect
) -> None:
    ws, ticket = await chat_with_ticket(connect, widget, visitor)
    pane = WebsocketCommunicator(AgentChatConsumer.as_asgi(), "/ws/chat/agent/")
    pane.scope["user"] = await database_sync_to_async(lambda: agent.user)()
    await pane.connect()

    await pane.send_json_to({"type": "send", "ticket_id": ticket.pk, "client_id": "k1", "text": "Wie kann ich helfen?"})

    frame = await ws.receive_json_from(timeout=5)
    assert (frame["from"], frame["text"]) == ("agent", "Wie kann ich helfen?")
    assert (await pane.receive_json_from(timeout=5))["type"] == "sent"
    await pane.disconnect()


async def test_the_agent_pane_hears_each_new_visitor_message_with_its_chat_session(
    widget: Widget, visitor, agent: Agent, connect
) -> None:
    ws, ticket = await chat_with_ticket(connect, widget, visitor)
    pane = await following(agent, ticket)

    await send(ws, "Sind Sie noch da?")

    # The greeting's own push may still be on its way; read up to the new message.
    frames = [await pane.receive_json_from(timeout=5)]
    while frames[-1].get("text") != "Sind Sie noch da?":
        frames.append(await pane.receive_json_from(timeout=5))
    session = await database_sync_to_async(ChatSession.objects.get)()
    assert (frames[-1]["type"], frames[-1]["session"]) == ("message", str(session.public_id))
    await pane.disconnect()


async def test_an_agent_outside_the_tickets_scope_cannot_follow_the_chat(widget: Widget, visitor, connect) -> None:
    ws = await connect(widget, visitor[0])
    await send(ws, "geheim")
    ticket = await database_sync_to_async(Ticket.objects.get)()
    stranger = await database_sync_to_async(lambda: AgentFactory(teams=[TeamFactory(slug="other")]))()
    pane = WebsocketCommunicator(AgentChatConsumer.as_asgi(), "/ws/chat/agent/")
    pane.scope["user"] = await database_sync_to_async(lambda: stranger.user)()
    await pane.connect()

    await pane.send_json_to({"type": "follow", "ticket_id": ticket.pk})

    assert (await pane.receive_json_from(timeout=5))["type"] == "error"
    await pane.disconnect()


async def test_a_chat_moved_out_of_the_agents_teams_stops_reaching_their_pane(
    widget: Widget, visitor, agent: Agent, connect
) -> None:
    from hub.actions.tickets import do_set_team

    ws = await connect(widget, visitor[0])
    await send(ws, "Hallo")
    ticket = await database_sync_to_async(Ticket.objects.get)()
    pane = await following(agent, ticket)

    other = await database_sync_to_async(lambda: TeamFactory(slug="billing"))()
    await database_sync_to_async(lambda: do_set_team(Ticket.objects.get(pk=ticket.pk), other, actor=None))()
    frames = [await pane.receive_json_from(timeout=5)]
    while frames[-1]["type"] != "unfollowed":
        frames.append(await pane.receive_json_from(timeout=5))
    await send(ws, "Meine Kontonummer ist 123")

    assert frames[-1] == {"type": "unfollowed", "ticket_id": ticket.pk, "reason": "out_of_scope"}
    assert await pane.receive_nothing(timeout=1)
    await pane.disconnect()


async def test_a_page_on_a_foreign_origin_cannot_open_the_chat(widget: Widget, visitor, connect) -> None:
    await connect(widget, visitor[0], origin="https://evil.example", expect=False)
    await connect(widget, visitor[0], origin="", expect=False)


async def test_forged_tokens_and_tokens_of_another_widget_are_refused(widget: Widget, visitor, connect) -> None:
    other = await database_sync_to_async(Widget.objects.create)(name="Other", allowed_origins=[ORIGIN])
    other_token, _ = await sync_to_async(new_visitor_token)(other)

    await connect(widget, other_token, expect=False)
    await connect(widget, visitor_token(Visitor(widget.key, "x")) + "tampered", expect=False)
    await connect(widget, "", expect=False)


async def test_a_visitor_can_never_read_another_visitors_conversation(
    widget: Widget, visitor, agent: Agent, connect
) -> None:
    alice = await connect(widget, visitor[0])
    await send(alice, "Meine IBAN ist DE02…")
    await agent_reply(agent, "Danke, Alice")
    bob_token, bob = await sync_to_async(new_visitor_token)(widget)

    mallory = await connect(widget, bob_token)
    await mallory.send_json_to({"type": "resume", "after": 0})
    frames = await receive_until(mallory, "synced")

    assert frames == [frames[-1]]
    assert frames[-1]["last_seq"] == 0
    await send(mallory, "Hallo?")
    assert await database_sync_to_async(Ticket.objects.count)() == 2
    assert await database_sync_to_async(ChatSession.objects.filter(visitor_id=bob.visitor_id).count)() == 1


async def chat_with_ticket(connect, widget: Widget, visitor) -> tuple[Any, Ticket]:
    """A visitor's open socket after their first message, and the ticket it made."""
    ws = await connect(widget, visitor[0])
    await send(ws, "Hallo")
    await receive_until(ws, "message")
    return ws, await database_sync_to_async(Ticket.objects.get)()


async def test_a_solved_chat_asks_for_csat_and_stores_the_answer_on_the_ticket(
    widget: Widget, visitor, agent: Agent, connect
) -> None:
    from hub.actions import do_set_status

    ws, ticket = await chat_with_ticket(connect, widget, visitor)

    await database_sync_to_async(do_set_status)(ticket, "solved", actor=agent)
    status = await receive_until(ws, "status")
    assert status[-1] == {"type": "status", "status": "solved", "csat": "csat"}

    await ws.send_json_to({"type": "csat", "rating": 5, "comment": "Super <b>schnell</b>"})
    await receive_until(ws, "csat_saved")
    survey = await database_sync_to_async(lambda: ticket.chat_surveys.get())()
    assert (survey.rating, survey.comment) == (5, "Super <b>schnell</b>")
    kinds = await database_sync_to_async(lambda: list(ticket.events.values_list("kind", flat=True)))()
    assert "survey_answered" in kinds

    await ws.send_json_to({"type": "csat", "rating": 1})
    assert (await receive_until(ws, "error"))[-1]["code"] == "already_answered"


async def test_an_account_asking_nps_asks_the_chat_visitor_0_to_10_and_reports_count_it_as_nps(
    widget: Widget, visitor, agent: Agent, connect
) -> None:
    from hub.actions import do_set_status
    from hub.models import Account, TicketEvent
    from hub.models.account import SurveyScale

    await database_sync_to_async(Account.objects.update_or_create)(pk=1, defaults={"survey_scale": SurveyScale.NPS})
    ws, ticket = await chat_with_ticket(connect, widget, visitor)

    await database_sync_to_async(do_set_status)(ticket, "solved", actor=agent)
    assert (await receive_until(ws, "status"))[-1]["csat"] == "nps"

    # 11 is off the scale; 0 is on it (a detractor), where 1–5 stars would refuse it.
    await ws.send_json_to({"type": "csat", "rating": 11, "scale": "nps"})
    assert (await receive_until(ws, "error"))[-1]["code"] == "invalid_rating"
    await ws.send_json_to({"type": "csat", "rating": 0, "scale": "nps", "comment": "Zu langsam"})
    await receive_until(ws, "csat_saved")

    survey = await database_sync_to_async(lambda: ticket.chat_surveys.get())()
    event = await database_sync_to_async(lambda: TicketEvent.objects.get(ticket=ticket, kind="survey_answered"))()
    assert (survey.scale, survey.rating, survey.comment) == ("nps", 0, "Zu langsam")
    assert event.data["rating"] == 0 and event.data["scale"] == "nps"


async def test_a_chat_is_rated_only_once_solved_and_only_on_the_question_the_account_asks(
    widget: Widget, visitor, agent: Agent, connect
) -> None:
    from hub.actions import do_set_status

    ws, ticket = await chat_with_ticket(connect, widget, visitor)

    await ws.send_json_to({"type": "csat", "rating": 5})
    assert (await receive_until(ws, "error"))[-1]["code"] == "not_solved"
    await database_sync_to_async(do_set_status)(ticket, "solved", actor=agent)
    await receive_until(ws, "status")
    # The account asks CSAT: a recommendation sent by hand would be a detractor in its reports.
    await ws.send_json_to({"type": "csat", "rating": 0, "scale": "nps"})
    assert (await receive_until(ws, "error"))[-1]["code"] == "invalid_rating"

    assert not await database_sync_to_async(ticket.chat_surveys.exists)()


async def test_a_visitor_over_the_rate_limit_is_told_so_and_nothing_is_stored(
    widget: Widget, visitor, connect, settings
) -> None:
    settings.CHAT_RATE_PER_VISITOR = 3
    ws = await connect(widget, visitor[0])
    for n in range(3):
        await send(ws, f"m{n}")

    await ws.send_json_to({"type": "message", "client_id": cid(), "text": "zu viel"})
    frames = await receive_until(ws, "error")

    assert frames[-1]["code"] == "rate_limited"
    assert await database_sync_to_async(ChatMessage.objects.count)() == 3


async def test_a_viewer_follows_a_chat_but_cannot_write_type_or_mark_it_read(
    widget: Widget, visitor, team, connect
) -> None:
    viewer = await database_sync_to_async(AgentFactory.create)(teams=[team], role=Role.VIEWER)
    ws, ticket = await chat_with_ticket(connect, widget, visitor)
    pane = WebsocketCommunicator(AgentChatConsumer.as_asgi(), "/ws/chat/agent/")
    pane.scope["user"] = await database_sync_to_async(lambda: viewer.user)()
    assert (await pane.connect())[0]
    await pane.send_json_to({"type": "follow", "ticket_id": ticket.pk})
    assert [m["text"] for m in (await pane.receive_json_from(timeout=5))["messages"]] == ["Hallo"]

    for frame in (
        {"type": "send", "ticket_id": ticket.pk, "client_id": "v1", "text": "Darf ich?"},
        {"type": "typing", "ticket_id": ticket.pk, "active": True},
        {"type": "read", "ticket_id": ticket.pk, "seq": 1},
    ):
        await pane.send_json_to(frame)
        refused = await pane.receive_json_from(timeout=5)
        assert (refused["type"], refused["code"]) == ("error", "read_only")

    assert await ws.receive_nothing(timeout=0.3)
    assert not await database_sync_to_async(Message.objects.filter(direction="out").exists)()
    await pane.disconnect()
