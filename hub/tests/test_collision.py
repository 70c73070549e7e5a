"""Who else is on a ticket (hub.collision): the state with its expiry, and the agents' socket that
tells a ticket's viewers who is viewing and typing. Runs on Redis and on the embedded default."""

from __future__ import annotations

import random
from typing import Any

import pytest
from channels.db import database_sync_to_async

from hub import collision
from hub.models import Agent, Team, Ticket
from hub.tests.factories import AgentFactory, TeamFactory, TicketFactory
from hub.tests.test_realtime import connect, events_of, nothing_more

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    now = [1_000_000.0]
    monkeypatch.setattr(collision, "_now", lambda: now[0])
    return now


@pytest.fixture
def ticket_id() -> int:
    # The state lives outside the database (in Redis, for up to VIEW_SECONDS after a run):
    # a number no other test, nor an earlier run, uses.
    return random.randrange(10**9, 2 * 10**9)


def names(ticket_id: int) -> list[tuple[str, str]]:
    return [(v.name, v.typing) for v in collision.viewers(ticket_id)]


class TestState:
    def test_an_agent_who_opens_a_ticket_is_viewing_it_until_they_leave(self, ticket_id: int) -> None:
        collision.view(ticket_id, "tab-1", agent_id=1, name="Jana Roth")
        collision.view(ticket_id, "tab-2", agent_id=2, name="Tom Berger")

        assert names(ticket_id) == [("Jana Roth", ""), ("Tom Berger", "")]

        collision.leave(ticket_id, "tab-1")

        assert names(ticket_id) == [("Tom Berger", "")]

    def test_a_page_without_heartbeat_stops_viewing_by_itself(self, ticket_id: int, clock: list[float]) -> None:
        collision.view(ticket_id, "crashed", agent_id=1, name="Jana Roth")
        collision.view(ticket_id, "alive", agent_id=2, name="Tom Berger")

        clock[0] += collision.VIEW_SECONDS - 1
        collision.view(ticket_id, "alive", agent_id=2, name="Tom Berger")  # its heartbeat
        assert names(ticket_id) == [("Jana Roth", ""), ("Tom Berger", "")]

        clock[0] += 2

        assert names(ticket_id) == [("Tom Berger", "")]

    def test_typing_shows_until_a_few_quiet_seconds_pass_or_it_stops(self, ticket_id: int, clock) -> None:
        collision.view(ticket_id, "tab", agent_id=1, name="Jana Roth")
        collision.typing(ticket_id, "tab", agent_id=1, name="Jana Roth", mode="reply")
        assert names(ticket_id) == [("Jana Roth", "reply")]

        collision.view(ticket_id, "tab", agent_id=1, name="Jana Roth")  # a heartbeat keeps typing
        clock[0] += collision.TYPING_SECONDS + 1
        assert names(ticket_id) == [("Jana Roth", "")]

        collision.typing(ticket_id, "tab", agent_id=1, name="Jana Roth", mode="note")
        assert names(ticket_id) == [("Jana Roth", "note")]
        collision.typing(ticket_id, "tab", agent_id=1, name="Jana Roth", mode="")
        assert names(ticket_id) == [("Jana Roth", "")]

    def test_two_tabs_of_one_agent_are_one_viewer_typing_if_either_types(self, ticket_id: int) -> None:
        collision.view(ticket_id, "front", agent_id=1, name="Jana Roth")
        collision.view(ticket_id, "back", agent_id=1, name="Jana Roth", background=True)
        collision.typing(ticket_id, "back", agent_id=1, name="Jana Roth", mode="reply")

        assert [v.as_json() for v in collision.viewers(ticket_id)] == [
            {"agent_id": 1, "name": "Jana Roth", "typing": "reply", "background": False}
        ]
        collision.leave(ticket_id, "front")
        assert collision.viewers(ticket_id)[0].background is True

    def test_a_page_of_tickets_is_read_at_once_leaving_out_those_nobody_is_on(
        self, ticket_id: int, clock: list[float]
    ) -> None:
        quiet, lapsed = ticket_id + 1, ticket_id + 2
        collision.view(ticket_id, "tab-1", agent_id=1, name="Jana Roth")
        collision.typing(ticket_id, "tab-2", agent_id=2, name="Tom Berger", mode="note")
        collision.view(lapsed, "crashed", agent_id=1, name="Jana Roth")
        clock[0] += collision.VIEW_SECONDS - 1
        collision.view(ticket_id, "tab-1", agent_id=1, name="Jana Roth")
        collision.view(ticket_id, "tab-2", agent_id=2, name="Tom Berger")
        clock[0] += 2

        found = collision.viewers_of([ticket_id, quiet, lapsed])

        assert {pk: [(v.name, v.typing) for v in viewers] for pk, viewers in found.items()} == {
            ticket_id: [("Jana Roth", ""), ("Tom Berger", "")]
        }


@pytest.fixture
def support(transactional_db: None) -> Team:
    return TeamFactory.create(name="Support", slug="support")


async def agent_of(team: Team, first: str) -> Agent:
    return await database_sync_to_async(AgentFactory.create)(teams=[team], user__first_name=first, user__last_name="X")


async def viewers_event(ws: Any) -> dict[str, Any]:
    """The next ``ticket.viewers`` event (other events of the ticket are skipped)."""
    while True:
        (event,) = await events_of(ws, 1)
        if event["type"] == collision.EVENT:
            return event


@pytest.mark.asyncio
class TestSocket:
    async def test_an_agent_sees_a_colleague_open_type_on_and_leave_the_ticket(self, support: Team) -> None:
        jana, tom = await agent_of(support, "Jana"), await agent_of(support, "Tom")
        ticket: Ticket = await database_sync_to_async(TicketFactory.create)(team=support)
        ws_jana, _, _ = await connect(jana)
        ws_tom, _, _ = await connect(tom)

        await ws_jana.send_json_to({"type": "view", "ticket_id": ticket.pk})
        assert (await viewers_event(ws_jana))["viewers"] == []  # only herself so far

        await ws_tom.send_json_to({"type": "view", "ticket_id": ticket.pk})
        seen = await viewers_event(ws_jana)
        assert seen["ticket_id"] == ticket.pk
        assert seen["viewers"] == [{"agent_id": tom.pk, "name": "Tom X", "typing": "", "background": False}]
        assert [v["name"] for v in (await viewers_event(ws_tom))["viewers"]] == ["Jana X"]

        await ws_tom.send_json_to({"type": "typing", "ticket_id": ticket.pk, "mode": "reply"})
        assert [v["typing"] for v in (await viewers_event(ws_jana))["viewers"]] == ["reply"]

        await ws_tom.send_json_to({"type": "typing", "ticket_id": ticket.pk, "mode": ""})
        assert [v["typing"] for v in (await viewers_event(ws_jana))["viewers"]] == [""]

        await ws_tom.disconnect()  # the tab closed
        assert (await viewers_event(ws_jana))["viewers"] == []
        await ws_jana.disconnect()
        assert await database_sync_to_async(collision.viewers)(ticket.pk) == []

    async def test_a_teammate_on_the_list_hears_a_colleague_open_type_and_leave_but_not_each_heartbeat(
        self, support: Team
    ) -> None:
        billing = await database_sync_to_async(TeamFactory.create)(name="Billing", slug="billing")
        jana, tom, olaf = (
            await agent_of(support, "Jana"),
            await agent_of(support, "Tom"),
            await agent_of(billing, "Olaf"),
        )
        ticket: Ticket = await database_sync_to_async(TicketFactory.create)(team=support)
        ws_jana, _, _ = await connect(jana)  # on the list: she has no ticket open
        ws_olaf, _, _ = await connect(olaf)
        ws_tom, _, _ = await connect(tom)

        await ws_tom.send_json_to({"type": "view", "ticket_id": ticket.pk})
        seen = await viewers_event(ws_jana)
        assert (seen["ticket_id"], seen["viewers"]) == (
            ticket.pk,
            [{"agent_id": tom.pk, "name": "Tom X", "typing": "", "background": False}],
        )
        await ws_tom.send_json_to({"type": "view", "ticket_id": ticket.pk})  # a heartbeat
        assert await nothing_more(ws_jana, 0.3)

        await ws_tom.send_json_to({"type": "typing", "ticket_id": ticket.pk, "mode": "reply"})
        assert [v["typing"] for v in (await viewers_event(ws_jana))["viewers"]] == ["reply"]
        await ws_tom.send_json_to({"type": "typing", "ticket_id": ticket.pk, "mode": "reply"})  # more keys
        assert await nothing_more(ws_jana, 0.3)
        await ws_tom.send_json_to({"type": "typing", "ticket_id": ticket.pk, "mode": ""})
        assert [v["typing"] for v in (await viewers_event(ws_jana))["viewers"]] == [""]

        await ws_tom.disconnect()
        assert (await viewers_event(ws_jana))["viewers"] == []
        assert await nothing_more(ws_jana, 0.3)  # heard once, though told to her team and the ticket
        assert await nothing_more(ws_olaf, 0.1)  # another team's agent hears nothing of it
        await ws_olaf.disconnect()
        await ws_jana.disconnect()

    async def test_opening_another_ticket_leaves_the_first(self, support: Team) -> None:
        jana, tom = await agent_of(support, "Jana"), await agent_of(support, "Tom")
        first, second = [await database_sync_to_async(TicketFactory.create)(team=support) for _ in range(2)]
        ws_jana, _, _ = await connect(jana)
        ws_tom, _, _ = await connect(tom)
        await ws_jana.send_json_to({"type": "view", "ticket_id": first.pk})
        await viewers_event(ws_jana)
        await ws_tom.send_json_to({"type": "view", "ticket_id": first.pk})
        await viewers_event(ws_jana)

        await ws_tom.send_json_to({"type": "view", "ticket_id": second.pk})

        assert (await viewers_event(ws_jana))["viewers"] == []
        assert [v.name for v in await database_sync_to_async(collision.viewers)(second.pk)] == ["Tom X"]
        await ws_tom.disconnect()
        await ws_jana.disconnect()

    async def test_an_agent_cannot_view_or_type_on_a_ticket_outside_their_scope(self, support: Team) -> None:
        billing = await database_sync_to_async(TeamFactory.create)(name="Billing", slug="billing")
        jana, outsider = await agent_of(support, "Jana"), await agent_of(billing, "Olaf")
        ticket: Ticket = await database_sync_to_async(TicketFactory.create)(team=support)
        ws_jana, _, _ = await connect(jana)
        ws_out, _, _ = await connect(outsider)
        await ws_jana.send_json_to({"type": "view", "ticket_id": ticket.pk})
        await viewers_event(ws_jana)

        await ws_out.send_json_to({"type": "view", "ticket_id": ticket.pk})
        await ws_out.send_json_to({"type": "typing", "ticket_id": ticket.pk, "mode": "reply"})

        assert await ws_jana.receive_nothing(timeout=0.3)
        assert await ws_out.receive_nothing(timeout=0.1)
        assert [v.name for v in await database_sync_to_async(collision.viewers)(ticket.pk)] == ["Jana X"]
        await ws_out.disconnect()
        await ws_jana.disconnect()
