"""A macro applied to several tickets tells the agents following each of them once, after
commit, with the ticket's last version: not once per change it made."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from hub.actions.macros import apply_macro
from hub.models import Macro, Priority, Role, Ticket, TicketStatus
from hub.realtime import ticket_group
from hub.tests.factories import AgentFactory, TeamFactory, TicketFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _given() -> tuple[list[Ticket], object]:
    team = TeamFactory.create(name="Support", slug="support")
    agent = AgentFactory.create(role=Role.AGENT, teams=[team])
    tickets = TicketFactory.create_batch(2, team=team)
    macro = Macro.objects.create(
        title="Warten", scope="global", set_priority=Priority.HIGH, set_status=TicketStatus.PENDING, add_tags=["x"]
    )
    return tickets, lambda: apply_macro(agent, [t.pk for t in tickets], macro)


async def test_applying_a_macro_to_two_tickets_sends_one_live_update_for_each(transactional_db: None) -> None:
    tickets, apply = await database_sync_to_async(_given)()
    layer = get_channel_layer()
    channel = await layer.new_channel()
    for ticket in tickets:
        await layer.group_add(ticket_group(ticket.pk), channel)

    await database_sync_to_async(apply)()

    received = [await asyncio.wait_for(layer.receive(channel), 5) for _ in tickets]
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(layer.receive(channel), 0.5)
    versions = {t.pk: t.version for t in await database_sync_to_async(list)(Ticket.objects.all())}
    assert sorted((r["ticket_id"], r["version"]) for r in received) == sorted(versions.items())
    for ticket in tickets:
        await layer.group_discard(ticket_group(ticket.pk), channel)
