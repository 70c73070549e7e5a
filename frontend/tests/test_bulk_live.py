"""A bulk change tells the agents following each ticket once, after commit, with the ticket's
last version; so does its undo."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from hub.actions.bulk import Change, Done, do_bulk, do_bulk_undo
from hub.models import Agent, Priority, Role, Ticket, TicketStatus
from hub.realtime import ticket_group
from hub.tests.factories import AgentFactory, TeamFactory, TicketFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _given() -> tuple[Agent, list[Ticket]]:
    team = TeamFactory.create(name="Support", slug="support")
    agent = AgentFactory.create(role=Role.AGENT, teams=[team])
    return agent, TicketFactory.create_batch(3, team=team, status=TicketStatus.OPEN, priority=Priority.LOW)


async def _following(layer: Any, tickets: list[Ticket]) -> str:
    channel = str(await layer.new_channel())
    for ticket in tickets:
        await layer.group_add(ticket_group(ticket.pk), channel)
    return channel


async def _one_each(layer: object, channel: str, tickets: list[Ticket]) -> list[tuple[int, int]]:
    received = [await asyncio.wait_for(layer.receive(channel), 5) for _ in tickets]  # type: ignore[attr-defined]
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.5)  # type: ignore[attr-defined]
    return sorted((r["ticket_id"], r["version"]) for r in received)


async def _versions() -> list[tuple[int, int]]:
    return sorted((t.pk, t.version) for t in await database_sync_to_async(list)(Ticket.objects.all()))


async def test_a_bulk_change_and_its_undo_send_one_live_update_per_ticket(transactional_db: None) -> None:
    agent, tickets = await database_sync_to_async(_given)()
    layer = get_channel_layer()
    channel = await _following(layer, tickets)
    solve = Change("status", status="solved")
    done: Done = await database_sync_to_async(do_bulk)(agent, [t.pk for t in tickets], solve)
    assert await _one_each(layer, channel, tickets) == await _versions()
    # A fresh channel: one whose receive timed out may drop what comes next (channels_redis).
    channel = await _following(layer, tickets)
    assert await database_sync_to_async(do_bulk_undo)(agent, done.token) == len(tickets)
    assert await _one_each(layer, channel, tickets) == await _versions()
