"""The agent websocket, end to end: ASGI application, session auth, origin check, Redis channel layer.

Run with REDIS_URL set, these go through channels_redis' pub/sub layer exactly as production.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from hub.actions import do_assign, do_set_status, do_set_team
from hub.models import Agent, Role, Team, Ticket
from hub.pipeline import receive
from hub.tests.factories import AgentFactory, TeamFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

ORIGIN = b"http://testserver"


def _session_cookie(agent: Agent) -> str:
    client = Client()
    client.force_login(agent.user)
    return client.cookies["sessionid"].value


async def connect(agent: Agent | None, origin: bytes = ORIGIN) -> tuple[WebsocketCommunicator, bool, Any]:
    from hub.asgi import application

    headers = [(b"origin", origin), (b"host", b"testserver")]
    if agent is not None:
        cookie = await database_sync_to_async(_session_cookie)(agent)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    ws = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    connected, code = await ws.connect(timeout=5)
    return ws, connected, code


@pytest.fixture
def teams(transactional_db: None) -> tuple[Team, Team]:
    return TeamFactory.create(name="Support", slug="support"), TeamFactory.create(name="Billing", slug="billing")


def make_agent(role: str = Role.AGENT, teams: list[Team] | None = None) -> Callable[[], Agent]:
    return lambda: AgentFactory.create(role=role, teams=teams or [])


# Events a batch frame brought beyond those a test asked for, per socket, for its next ask.
_unread: dict[WebsocketCommunicator, list[dict[str, Any]]] = {}


async def events_of(ws: WebsocketCommunicator, n: int) -> list[dict[str, Any]]:
    """The next ``n`` events, whether they came alone or in batch frames."""
    got = _unread.pop(ws, [])
    while len(got) < n:
        frame = await ws.receive_json_from(timeout=5)
        got.extend(frame["events"] if frame["type"] == "batch" else [frame])
    if got[n:]:
        _unread[ws] = got[n:]
    return got[:n]


async def nothing_more(ws: WebsocketCommunicator, timeout: float) -> bool:
    return not _unread.get(ws) and await ws.receive_nothing(timeout=timeout)


async def frames_until_quiet(ws: WebsocketCommunicator, quiet: float) -> list[dict[str, Any]]:
    frames = []
    while not await ws.receive_nothing(timeout=quiet):
        frames.append(await ws.receive_json_from(timeout=5))
    return frames


async def test_an_unauthenticated_connection_is_closed(teams) -> None:
    _ws, connected, code = await connect(None)

    assert not connected
    assert code == 4401


async def test_a_user_without_an_agent_profile_is_closed(teams) -> None:
    from hub.tests.factories import UserFactory

    user = await database_sync_to_async(UserFactory.create)()

    def cookie() -> str:
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    from hub.asgi import application

    value = await database_sync_to_async(cookie)()
    ws = WebsocketCommunicator(
        application, "/ws/agent/", headers=[(b"origin", ORIGIN), (b"cookie", f"sessionid={value}".encode())]
    )
    connected, _ = await ws.connect(timeout=5)
    assert not connected


async def test_a_connection_from_a_foreign_origin_is_rejected(teams) -> None:
    agent = await database_sync_to_async(make_agent(Role.ADMIN))()

    _ws, connected, _ = await connect(agent, origin=b"https://evil.example")

    assert not connected


async def test_an_agent_hears_about_tickets_of_their_team_and_not_of_other_teams(
    teams, fake_channel: FakeChannel
) -> None:
    support, _billing = teams
    agent = await database_sync_to_async(make_agent(teams=[support]))()
    ws, connected, _ = await connect(agent)
    assert connected

    billing_event, _ = await database_sync_to_async(receive)("fake", "b-1", payload(email="a@x.de", team="billing"))
    support_event, _ = await database_sync_to_async(receive)("fake", "s-1", payload(email="b@x.de", team="support"))
    await database_sync_to_async(support_event.refresh_from_db)()

    [created] = await events_of(ws, 1)
    assert created["type"] == "ticket.created"
    assert created["ticket_id"] == support_event.ticket_id
    assert await nothing_more(ws, timeout=0.3)  # nothing about the billing ticket

    await database_sync_to_async(receive)("fake", "s-2", payload(email="b@x.de", ticket_id=support_event.ticket_id))
    [added] = await events_of(ws, 1)
    assert added["type"] == "message.added" and added["ticket_id"] == support_event.ticket_id
    assert added["message_id"] > 0

    ticket = await database_sync_to_async(Ticket.objects.get)(pk=support_event.ticket_id)
    await database_sync_to_async(do_set_status)(ticket, "pending", actor=agent)
    [updated] = await events_of(ws, 1)
    assert updated == {
        "type": "ticket.updated",
        "event": "ticket.updated",
        "ticket_id": ticket.pk,
        "version": updated["version"],
        "by": {"id": agent.pk, "name": agent.name},  # who changed it: "Aktualisiert von …"
    }
    assert updated["version"] > added["version"]

    await database_sync_to_async(billing_event.refresh_from_db)()
    billing_ticket = await database_sync_to_async(Ticket.objects.get)(pk=billing_event.ticket_id)
    await database_sync_to_async(do_set_status)(billing_ticket, "pending", actor=None)
    assert await nothing_more(ws, timeout=0.3)
    await ws.disconnect()


async def test_an_agent_hears_about_a_ticket_of_another_team_assigned_to_them(teams) -> None:
    support, billing = teams
    agent = await database_sync_to_async(make_agent(teams=[support]))()
    ticket = await database_sync_to_async(TicketFactory.create)(team=billing)
    ws, _, _ = await connect(agent)

    await database_sync_to_async(do_assign)(ticket, agent, actor=None)

    [event] = await events_of(ws, 1)
    assert event["type"] == "ticket.updated" and event["ticket_id"] == ticket.pk
    await ws.disconnect()


async def test_agents_of_the_old_team_and_the_old_assignee_hear_that_a_ticket_left_them(teams) -> None:
    support, billing = teams
    agent = await database_sync_to_async(make_agent(teams=[support]))()
    ticket = await database_sync_to_async(TicketFactory.create)(team=support)
    ws, _, _ = await connect(agent)

    await database_sync_to_async(do_set_team)(ticket, billing, actor=None)

    [event] = await events_of(ws, 1)
    assert event["ticket_id"] == ticket.pk
    await database_sync_to_async(do_set_status)(ticket, "solved", actor=None)
    assert await nothing_more(ws, timeout=0.3)  # gone from their scope, no more news
    await ws.disconnect()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LEAD])
async def test_admins_and_leads_hear_about_every_ticket(teams, role: str, fake_channel: FakeChannel) -> None:
    boss = await database_sync_to_async(make_agent(role))()
    ws, _, _ = await connect(boss)

    await database_sync_to_async(receive)("fake", "n-1", payload(email="a@x.de"))  # no team at all
    await database_sync_to_async(receive)("fake", "n-2", payload(email="b@x.de", team="billing"))

    got = await events_of(ws, 2)
    assert [e["type"] for e in got] == ["ticket.created", "ticket.created"]
    await ws.disconnect()


async def test_a_rolled_back_change_sends_nothing(teams) -> None:
    support, _ = teams
    agent = await database_sync_to_async(make_agent(teams=[support]))()
    ticket = await database_sync_to_async(TicketFactory.create)(team=support)
    ws, _, _ = await connect(agent)

    def change_then_fail() -> None:
        with transaction.atomic():
            do_set_status(ticket, "solved", actor=agent)
            raise RuntimeError("the request failed after the change")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(change_then_fail)()

    assert await nothing_more(ws, timeout=0.5)
    assert (await database_sync_to_async(Ticket.objects.get)(pk=ticket.pk)).status == "new"
    await ws.disconnect()


async def test_the_event_arrives_only_after_the_commit(teams) -> None:
    support, _ = teams
    agent = await database_sync_to_async(make_agent(teams=[support]))()
    ticket = await database_sync_to_async(TicketFactory.create)(team=support)
    ws, _, _ = await connect(agent)
    heard_before_commit: list[bool] = []

    def change_and_look() -> None:
        import asyncio

        with transaction.atomic():
            do_set_status(ticket, "pending", actor=agent)
            # Still inside the transaction: ask the socket whether anything came yet.
            heard_before_commit.append(
                not asyncio.run_coroutine_threadsafe(ws.receive_nothing(timeout=0.3), loop).result(timeout=5)
            )

    import asyncio

    loop = asyncio.get_running_loop()
    await database_sync_to_async(change_and_look)()

    assert heard_before_commit == [False]
    [event] = await events_of(ws, 1)
    assert event["ticket_id"] == ticket.pk
    await ws.disconnect()


async def test_an_agent_may_follow_a_ticket_in_scope_but_not_one_outside(teams) -> None:
    support, billing = teams
    agent = await database_sync_to_async(make_agent(teams=[support]))()
    theirs = await database_sync_to_async(TicketFactory.create)(team=billing)
    ws, _, _ = await connect(agent)

    await ws.send_json_to({"type": "follow", "ticket_id": theirs.pk})
    await ws.receive_nothing(timeout=0.2)  # let the consumer handle it
    await database_sync_to_async(do_set_status)(theirs, "pending", actor=None)

    assert await nothing_more(ws, timeout=0.3)
    await ws.disconnect()


async def test_events_collected_in_a_transaction_arrive_after_it_in_the_order_sent(teams) -> None:
    from hub import realtime

    support, _ = teams
    agent = await database_sync_to_async(make_agent(teams=[support]))()
    ticket = await database_sync_to_async(TicketFactory.create)(team=support)
    ws, _, _ = await connect(agent)

    def two_changes(fail: bool) -> None:
        with transaction.atomic(), realtime.collected():
            realtime.ticket_changed(ticket, "ticket.updated")
            realtime.ticket_changed(ticket, "message.added", message_id=7)
            if fail:
                raise RuntimeError("the reply failed")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(two_changes)(True)
    assert await nothing_more(ws, timeout=0.3)
    await database_sync_to_async(two_changes)(False)

    assert [e["type"] for e in await events_of(ws, 2)] == ["ticket.updated", "message.added"]
    await ws.disconnect()


def _flat(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for f in frames for e in (f["events"] if f["type"] == "batch" else [f])]


async def test_a_burst_of_events_arrives_as_one_batch_frame_naming_each_change_once(teams, monkeypatch) -> None:
    from hub import consumers, realtime

    # A long window, so that the whole burst surely falls into it on a busy test machine.
    monkeypatch.setattr(consumers, "FEED_COALESCE_MS", 1000)
    support, _ = teams
    agent = await database_sync_to_async(make_agent(teams=[support]))()
    first, second, third = await database_sync_to_async(TicketFactory.create_batch)(3, team=support)
    ws, _, _ = await connect(agent)
    await ws.send_json_to({"type": "follow", "ticket_id": second.pk})  # heard twice: team and ticket group
    await ws.receive_nothing(timeout=0.2)

    def burst() -> None:
        with realtime.collected():
            realtime.ticket_changed(first, "ticket.updated")
            for ticket in (second, third, first, second):
                ticket.version += 1
                realtime.ticket_changed(ticket, "ticket.updated")
            realtime.ticket_changed(third, "message.added", message_id=7)

    await database_sync_to_async(burst)()
    lone, batch = await frames_until_quiet(ws, quiet=1.5)

    assert (lone["type"], lone["ticket_id"]) == ("ticket.updated", first.pk)
    assert batch["type"] == "batch"
    assert [(e["type"], e["ticket_id"], e["version"]) for e in batch["events"]] == [
        ("ticket.updated", third.pk, third.version),
        ("ticket.updated", first.pk, first.version),
        ("ticket.updated", second.pk, second.version),
        ("message.added", third.pk, third.version),
    ]
    assert batch["events"][-1]["message_id"] == 7
    await ws.disconnect()


async def test_a_lone_event_arrives_alone_and_without_waiting_for_the_window(teams, monkeypatch) -> None:
    from hub import consumers

    # A window far longer than delivery takes: an event that waited for it would come too late.
    monkeypatch.setattr(consumers, "FEED_COALESCE_MS", 2000)
    support, _ = teams
    agent = await database_sync_to_async(make_agent(teams=[support]))()
    ticket = await database_sync_to_async(TicketFactory.create)(team=support)
    ws, _, _ = await connect(agent)

    await database_sync_to_async(do_set_status)(ticket, "pending", actor=None)
    event = await ws.receive_json_from(timeout=1)
    assert (event["type"], event["ticket_id"]) == ("ticket.updated", ticket.pk)

    assert await ws.receive_nothing(timeout=2.5)  # the window closes with nothing more to send
    await database_sync_to_async(do_set_status)(ticket, "solved", actor=None)
    again = await ws.receive_json_from(timeout=1)
    assert (again["type"], again["ticket_id"]) == ("ticket.updated", ticket.pk)
    assert again["version"] > event["version"]
    await ws.disconnect()


async def test_tickets_outside_the_agents_scope_never_appear_in_a_batch(teams, monkeypatch) -> None:
    from hub import consumers, realtime

    monkeypatch.setattr(consumers, "FEED_COALESCE_MS", 1000)
    support, billing = teams
    agent = await database_sync_to_async(make_agent(teams=[support]))()
    ours = await database_sync_to_async(TicketFactory.create)(team=support)
    foreign = await database_sync_to_async(TicketFactory.create_batch)(3, team=billing)
    ws, _, _ = await connect(agent)
    await ws.send_json_to({"type": "follow", "ticket_id": foreign[0].pk})  # refused: not in their scope
    await ws.receive_nothing(timeout=0.2)

    def interleaved() -> None:
        with realtime.collected():
            for ticket in [ours, *foreign, ours, *foreign]:
                ticket.version += 1
                realtime.ticket_changed(ticket, "ticket.updated")
                realtime.ticket_changed(ticket, "message.added", message_id=ticket.version)

    await database_sync_to_async(interleaved)()
    frames = await frames_until_quiet(ws, quiet=1.5)

    assert frames[-1]["type"] == "batch"
    assert {e["ticket_id"] for e in _flat(frames)} == {ours.pk}
    await ws.disconnect()
