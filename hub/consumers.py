"""The agents' live feed: ticket events for the tickets an agent may see, coalesced per socket.

Built on ``hub.sockets`` (the consumer base every socket of the hub and its channels shares).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async

from hub import collision
from hub.access import agent_of
from hub.models import Agent
from hub.realtime import ALL_GROUP, agent_group, scope_groups, team_group, ticket_group
from hub.sockets import SocketConsumer

log = logging.getLogger(__name__)


class AgentConsumer(SocketConsumer):
    """The agent's live feed: ticket and message events for tickets the agent may see.

    Groups follow ``hub.access``: admins and leads join ``tickets.all``; agents join their
    teams and their own assignee group. The origin is checked before this runs (asgi.py).
    Events close together go out in batch frames (``CoalescedFeed``).
    """

    groups_joined: list[str]
    _feed: CoalescedFeed
    _presence: collision.SocketPresence | None = None
    # The groups of those who may see each ticket followed, read with the scope check: the inbox
    # rows of the ticket's team hear who opens it (hub.collision.SocketPresence).
    _scopes: dict[int, list[str]]

    async def connect(self) -> None:
        self.groups_joined = []
        self._scopes = {}
        self._feed = CoalescedFeed(self._send_text)
        agent = await database_sync_to_async(self._agent)()
        if agent is None:
            await self.close(code=4401)
            return
        self.agent_id = agent.pk
        names = await database_sync_to_async(self._groups)(agent)
        for name in names:
            await self.channel_layer.group_add(name, self.channel_name)
        self.groups_joined = names
        name = await database_sync_to_async(lambda: agent.name)()
        self._presence = collision.SocketPresence(
            layer=self.channel_layer,
            connection=self.channel_name,
            agent_id=agent.pk,
            name=name,
            follow=self._follow,
            scope=lambda ticket_id: self._scopes.get(ticket_id, []),
        )
        await self.accept()

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)

    def _agent(self) -> Agent | None:
        user = self.scope.get("user")
        return agent_of(user) if user is not None else None

    def _groups(self, agent: Agent) -> list[str]:
        if agent.sees_everything:
            # Their own group too: what is for them alone (a call ringing on their team's number).
            return [ALL_GROUP, agent_group(agent.pk)]
        return [agent_group(agent.pk)] + [team_group(t) for t in agent.teams.values_list("pk", flat=True)]

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Agents may follow one open ticket (viewing), to get its events even if it left their
        # scope while open; the ticket is checked against their scope first.
        if isinstance(content, dict) and content.get("type") == "follow":
            ticket_id = content.get("ticket_id")
            if isinstance(ticket_id, int):
                await self._follow(ticket_id)
        elif isinstance(content, dict) and self._presence is not None:
            # Viewing and typing (hub.collision): the ticket is followed, so checked, first.
            await self._presence.handle(content)

    async def _follow(self, ticket_id: int) -> bool:
        if ticket_group(ticket_id) in self.groups_joined:
            return True
        scope = await database_sync_to_async(self._may_follow)(ticket_id)
        if scope is None:
            return False
        self._scopes[ticket_id] = scope
        await self.channel_layer.group_add(ticket_group(ticket_id), self.channel_name)
        self.groups_joined.append(ticket_group(ticket_id))
        return True

    def _may_follow(self, ticket_id: int) -> list[str] | None:
        """The groups that may see the ticket if this agent may too, else None."""
        from hub.access import visible_tickets

        agent = Agent.objects.get(pk=self.agent_id)
        found = visible_tickets(agent).filter(pk=ticket_id).values_list("team_id", "assignee_id").first()
        return scope_groups(ticket_id, *found) if found is not None else None

    async def disconnect(self, code: int) -> None:
        self._feed.close()
        if self._presence is not None:
            await self._presence.close()
        for name in self.groups_joined:
            await self.channel_layer.group_discard(name, self.channel_name)

    async def hub_event(self, event: dict[str, Any]) -> None:
        # Every event reaching us came through a group this agent joined for their scope
        # (connect, follow): a batch holds only such events, each checked as it came.
        if event.get("event") == collision.EVENT:
            if self._presence is not None and not self._presence.is_news(event):
                return
            event = collision.others_only(event, self.agent_id)
        await self._feed.add(event)


FEED_COALESCE_MS = 100
"""How long events after the first of a burst wait to go out together in one frame."""

_EncodedKey = tuple[str, Any, Any, Any]
_encoded: dict[_EncodedKey, str] = {}
_CACHED_KEYS = frozenset({"type", "event", "ticket_id", "version", "message_id", "by", "assignee_id", "scope_changed"})


def feed_frame_text(event: dict[str, Any]) -> str:
    """The event's JSON as the client gets it, encoded once per process, not once per socket.

    A group send reaches each of the fifty agents' sockets of a team as its own message; the
    same event is encoded once here and its text reused. Only the small fixed payload of
    ``hub.realtime.ticket_changed`` is cached; anything else is encoded each time. Who made a
    change (``by``), whom it assigned and whether it changed who sees the ticket are one per
    ticket version: the key holds them already.
    """
    if len(event) > len(_CACHED_KEYS) or not event.keys() <= _CACHED_KEYS:
        return json.dumps(_frame(event))
    key = (event["event"], event.get("ticket_id"), event.get("version"), event.get("message_id"))
    text = _encoded.get(key)
    if text is None:
        if len(_encoded) >= 4096:  # recent events only: all sockets hear one within milliseconds
            _encoded.clear()
        text = _encoded[key] = json.dumps(_frame(event))
    return text


def _frame(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "type"} | {"type": event["event"]}


class CoalescedFeed:
    """One socket's outgoing events: the first after a quiet spell at once, the rest in batches.

    Each of fifty agents hears every event of their team: a frame per event was thousands of
    websocket writes a second. An event that finds the feed quiet goes out alone and without
    delay, and opens a window of ``FEED_COALESCE_MS``; what arrives within it goes out at its
    end as one frame ``{"type": "batch", "events": [...]}``, which opens the next window. A
    change heard twice (team and ticket group) or superseded within a window is sent once: per
    (ticket, event, message) the latest version, at the place it last arrived. The message id
    is part of the key because the client redraws a single message on ``message.updated``.
    """

    def __init__(self, send: Callable[[str], Awaitable[None]]) -> None:
        self._send = send
        self._window = FEED_COALESCE_MS / 1000
        self._pending: dict[tuple[Any, Any, Any], tuple[Any, str]] | None = None  # None: quiet
        self._timer: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # frames leave in order: a batch never overtakes the event before it

    async def add(self, event: dict[str, Any]) -> None:
        text = feed_frame_text(event)
        if self._pending is None:
            self._open_window()
            async with self._lock:
                await self._send(text)
            return
        key = (event.get("ticket_id"), event.get("event"), event.get("message_id"))
        version = event.get("version")
        earlier = self._pending.pop(key, None)
        if earlier is not None and _older(version, earlier[0]):
            self._pending[key] = earlier
        else:
            self._pending[key] = (version, text)

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._flushing is not None:
            self._flushing.cancel()
        self._pending = None

    def _open_window(self) -> None:
        self._pending = {}
        self._timer = asyncio.get_running_loop().call_later(self._window, self._window_ended)

    def _window_ended(self) -> None:
        pending, self._timer = self._pending, None
        if not pending:
            self._pending = None  # quiet again: the next event goes out at once
            return
        self._open_window()
        texts = ",".join(text for _version, text in pending.values())
        self._flushing = asyncio.get_running_loop().create_task(
            self._send_batch(f'{{"type":"batch","events":[{texts}]}}')
        )

    async def _send_batch(self, text: str) -> None:
        async with self._lock:
            try:
                await self._send(text)
            except Exception:  # nobody awaits this task to hear it
                # The socket went away meanwhile: its disconnect message ends the consumer.
                log.debug("agent feed batch not sent", exc_info=True)


def _older(version: Any, than: Any) -> bool:
    return isinstance(version, int) and isinstance(than, int) and version < than
