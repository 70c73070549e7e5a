"""Survey answers and passing ticket signals: hub functions every channel calls, heard by agents after commit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from hub import realtime
from hub.actions import do_record_survey
from hub.models import Team, Ticket, TicketEvent
from hub.tests.factories import TicketFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def listening(*groups: str) -> tuple[Any, str]:
    layer = get_channel_layer()
    name = await layer.new_channel()
    for group in groups:
        await layer.group_add(group, name)
    return layer, name


async def test_the_survey_action_records_its_event_and_tells_the_agents_who_see_the_ticket(team: Team) -> None:
    ticket = await database_sync_to_async(TicketFactory.create)(team=team)
    layer, name = await listening(realtime.team_group(team.pk))

    event = await database_sync_to_async(do_record_survey)(
        ticket_id=ticket.pk, rating=4, comment="Schnell und freundlich", channel="chat"
    )

    heard = await layer.receive(name)
    assert (heard["event"], heard["ticket_id"]) == ("ticket.updated", ticket.pk)
    stored = await database_sync_to_async(TicketEvent.objects.get)(pk=event.pk)
    assert stored.kind == "survey_answered"
    assert stored.data == {"rating": 4, "comment": "Schnell und freundlich", "channel": "chat"}
    assert stored.actor_id is None


async def test_a_survey_answer_for_an_unknown_ticket_is_refused(team: Team) -> None:
    with pytest.raises(Ticket.DoesNotExist):
        await database_sync_to_async(do_record_survey)(ticket_id=987654, rating=5, comment="", channel="chat")


async def test_a_ticket_signal_reaches_only_those_following_the_ticket_and_only_after_commit(team: Team) -> None:
    ticket = await database_sync_to_async(TicketFactory.create)(team=team)
    layer, follower = await listening(realtime.ticket_group(ticket.pk))
    _layer, team_feed = await listening(realtime.team_group(team.pk))

    def typing_then_rollback() -> None:
        with transaction.atomic():
            realtime.ticket_signal(ticket.pk, "chat.typing", active=False)
            transaction.set_rollback(True)
        realtime.ticket_signal(ticket.pk, "chat.typing", active=True)

    await database_sync_to_async(typing_then_rollback)()

    heard = await layer.receive(follower)
    assert heard == {"type": "hub.event", "event": "chat.typing", "ticket_id": ticket.pk, "version": 0, "active": True}
    await database_sync_to_async(realtime.ticket_signal)(ticket.pk, "chat.read", seq=3)
    assert (await layer.receive(follower))["event"] == "chat.read"  # the rolled-back one never came first
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await layer.receive(team_feed)
