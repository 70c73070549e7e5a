"""What an agent's open workspace hears: their own notifications (not a colleague's), and a new
chat of their team, which their workspace may ring for."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from channels_chat.actions import open_session
from channels_chat.models import Widget
from channels_chat.tokens import new_visitor_token
from hub import notifications
from hub.actions import do_add_note
from hub.models import Notification, Team
from hub.pipeline import process_batch
from hub.tests.factories import AgentFactory, TicketFactory
from hub.tests.test_pipeline_batch import visitor_wrote
from hub.tests.test_realtime import connect, events_of, nothing_more

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_a_mention_reaches_the_mentioned_agents_workspace_and_no_one_elses(team: Team) -> None:
    support = team
    writer, anna, tom = [await database_sync_to_async(AgentFactory.create)(teams=[support]) for _ in range(3)]
    ticket = await database_sync_to_async(TicketFactory.create)(team=support)
    annas, toms = (await connect(anna))[0], (await connect(tom))[0]

    text = await database_sync_to_async(notifications.mention_token)(anna)
    await database_sync_to_async(do_add_note)(ticket, agent=writer, text=f"{text} bitte prüfen")

    heard = await events_of(annas, 2)
    told = await database_sync_to_async(Notification.objects.get)(recipient=anna)
    assert {"type": "notification", "event": "notification", "ticket_id": ticket.pk, "version": told.pk} in heard
    [added] = await events_of(toms, 1)
    assert added["type"] == "message.added"
    assert await nothing_more(toms, timeout=0.3)
    await annas.disconnect()
    await toms.disconnect()


async def test_a_new_chat_of_the_team_is_heard_so_the_workspace_can_ring(team: Team) -> None:
    support = team
    agent = await database_sync_to_async(AgentFactory.create)(teams=[support])
    ws = (await connect(agent))[0]

    def visitor_starts_a_chat() -> None:
        widget = Widget.objects.create(name="Shop", team=support, allowed_origins=["https://shop.example"])
        visitor_wrote(open_session(widget, new_visitor_token(widget)[1]), "Hallo, ist jemand da?")
        process_batch()

    await database_sync_to_async(visitor_starts_a_chat)()

    heard = [event["type"] for event in await events_of(ws, 2)]
    assert heard == ["ticket.created", "chat.new"]
    await ws.disconnect()
