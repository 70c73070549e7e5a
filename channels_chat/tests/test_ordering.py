"""A visitor's socket shows the log in sequence order, each message once, whatever order the
pushes from several server processes arrive in."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from channels_chat import actions
from channels_chat.models import ChatSession, Widget
from channels_chat.ordering import InOrder
from channels_chat.tests.conftest import receive_until


def frame(seq: int) -> dict:
    return {"type": "message", "seq": seq, "text": f"#{seq}"}


def seqs(frames: list[dict]) -> list[int]:
    return [f["seq"] for f in frames]


def test_a_message_that_overtook_the_one_before_waits_for_it() -> None:
    order = InOrder(last_seq=4)

    assert seqs(order.arrived(frame(6))) == []
    assert seqs(order.arrived(frame(5))) == [5, 6]
    assert seqs(order.arrived(frame(6))) == []  # a second push of the same message


def test_a_push_that_never_comes_is_read_from_the_log() -> None:
    order = InOrder(last_seq=4)
    order.arrived(frame(7))

    assert seqs(order.filled([frame(5), frame(6), frame(7)])) == [5, 6, 7]
    assert seqs(order.arrived(frame(6))) == []  # late, already shown
    assert seqs(order.arrived(frame(8))) == [8]


def test_a_resume_sends_what_the_client_missed_but_not_what_this_socket_already_sent() -> None:
    order = InOrder(last_seq=4)  # the client had 2 when it reconnected
    order.arrived(frame(5))

    assert seqs(order.resumed([frame(3), frame(4), frame(5), frame(6)])) == [3, 4, 6]
    assert seqs(order.arrived(frame(6))) == []
    assert seqs(order.arrived(frame(7))) == [7]


@pytest.mark.django_db(transaction=True)
@pytest.mark.asyncio
async def test_the_widget_gets_pushes_in_sequence_order_and_gaps_filled_from_the_log(
    widget: Widget, visitor, connect
) -> None:
    ws = await connect(widget, visitor[0])
    await ws.send_json_to({"type": "message", "client_id": "c1", "text": "eins"})
    await receive_until(ws, "ack")
    assert (await receive_until(ws, "message"))[-1]["seq"] == 1
    session = await database_sync_to_async(ChatSession.objects.get)()

    # Two messages stored without their pushes (as if still on their way from another process).
    def store(client_id: str) -> dict:
        message, _ = actions.post_visitor_message(session, client_id=client_id, text=client_id, publish=False)
        return actions.message_event(session, message)

    second = await database_sync_to_async(store)("zwei")
    third = await database_sync_to_async(store)("drei")
    layer = get_channel_layer()
    await layer.group_send(actions.session_group(session), third)
    shown = [await ws.receive_json_from(timeout=5), await ws.receive_json_from(timeout=5)]
    assert [(f["seq"], f["text"]) for f in shown] == [(2, "zwei"), (3, "drei")]  # 2 read from the log

    await layer.group_send(actions.session_group(session), second)  # late: already shown
    await ws.send_json_to({"type": "resume", "after": 3})
    assert [f["type"] for f in await receive_until(ws, "synced")] == ["synced"]
