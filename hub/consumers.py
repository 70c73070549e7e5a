"""The agents' live feed, and what every websocket consumer of the hub shares.

Channels runs ``close_old_connections`` in a thread before every message a consumer handles
(``AsyncConsumer.dispatch``): a hop to its one thread-sensitive executor and back, for each
of the fifty agents' feeds that hear a team's event, for each visitor socket that hears its
ticket's. Our consumers touch the database only inside ``database_sync_to_async`` calls or
``db_hop`` (below), which tidy their threads' connections themselves, so ``HubConsumer``
leaves the hop out.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync
from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import connections

from hub.access import agent_of
from hub.models import Agent
from hub.realtime import ALL_GROUP, agent_group, team_group, ticket_group

log = logging.getLogger(__name__)
T = TypeVar("T")
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


class HubConsumer(AsyncJsonWebsocketConsumer):
    """A JSON websocket consumer whose messages are handled without a database hop first.

    Its loop is leaner than Channels' ``await_many_dispatch`` too, which for every message
    waits on both sources with ``asyncio.wait`` and starts a new task: the agents' feeds hear
    thousands of events a second between them. Here one long-lived task per source feeds a
    queue that the consumer works off, one message at a time as before.
    """

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources: list[Receive] = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
        self.base_send = send
        inbox: asyncio.Queue[dict[str, Any] | BaseException] = asyncio.Queue()

        async def pump(source: Receive) -> None:
            try:
                while True:
                    inbox.put_nowait(await source())
            except Exception as exc:  # noqa: BLE001 - handed to the consumer's loop, which raises it
                inbox.put_nowait(exc)

        pumps = [asyncio.create_task(pump(source)) for source in sources]
        try:
            while True:
                message = await inbox.get()
                if isinstance(message, BaseException):
                    raise message
                await self.dispatch(message)
        except StopConsumer:
            pass
        finally:
            for task in pumps:
                task.cancel()
            await asyncio.gather(*pumps, return_exceptions=True)

    async def dispatch(self, message: dict[str, Any]) -> None:
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)


def tune_gc_for_sockets() -> None:
    """Keep the garbage collector's full passes short in a process that holds many sockets.

    With a thousand open chats a full collection walked every object of the process, the
    modules' and the sockets' alike, and stopped all of them for 100–500 ms every few seconds:
    the slowest chat messages were exactly those. What exists after start-up (Django, the
    app) is moved out of the collector's sight (``gc.freeze``), and young objects are
    collected ten times less often, so that fewer that die soon anyway reach the older
    generations and trigger a full pass. Call once, when the ASGI application is built.
    """
    gc.collect()
    gc.freeze()
    young, middle, old = gc.get_threshold()
    gc.set_threshold(max(young, 7_000), middle, old)


def tidy_connections() -> None:
    """``close_old_connections`` without arming the health check for the next query.

    Django's version makes the next query of every kept connection start with a ``SELECT 1``
    (CONN_HEALTH_CHECKS): fine once per HTTP request, a second round trip per chat message
    here. Only a connection past its age, with errors, or left in a transaction is closed and
    checked; a connection the database dropped fails one query and is replaced on the next.
    """
    for conn in connections.all(initialized_only=True):
        if conn.connection is None:
            continue
        expired = conn.close_at is not None and time.monotonic() >= conn.close_at
        if expired or conn.errors_occurred or conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]:
            conn.close_if_unusable_or_obsolete()


class _DatabaseHop(SyncToAsync):
    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        tidy_connections()
        return super().thread_handler(loop, *args, **kwargs)


def db_hop(fn: Callable[..., T], executor: ThreadPoolExecutor) -> Callable[..., Awaitable[T]]:
    """``fn`` on a thread of ``executor`` (each thread its own database connection), awaitable."""
    return _DatabaseHop(fn, thread_sensitive=False, executor=executor)


class AgentConsumer(HubConsumer):
    """The agent's live feed: ticket and message events for tickets the agent may see.

    Groups follow ``hub.access``: admins and leads join ``tickets.all``; agents join their
    teams and their own assignee group. The origin is checked before this runs (asgi.py).
    Events close together go out in batch frames (``CoalescedFeed``).
    """

    groups_joined: list[str]
    _feed: CoalescedFeed

    async def connect(self) -> None:
        self.groups_joined = []
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
        await self.accept()

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)

    def _agent(self) -> Agent | None:
        user = self.scope.get("user")
        return agent_of(user) if user is not None else None

    def _groups(self, agent: Agent) -> list[str]:
        if agent.sees_everything:
            return [ALL_GROUP]
        return [agent_group(agent.pk)] + [team_group(t) for t in agent.teams.values_list("pk", flat=True)]

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # Agents may follow one open ticket (viewing), to get its events even if it left their
        # scope while open; the ticket is checked against their scope first.
        if isinstance(content, dict) and content.get("type") == "follow":
            ticket_id = content.get("ticket_id")
            if isinstance(ticket_id, int) and await database_sync_to_async(self._may_follow)(ticket_id):
                await self.channel_layer.group_add(ticket_group(ticket_id), self.channel_name)
                self.groups_joined.append(ticket_group(ticket_id))

    def _may_follow(self, ticket_id: int) -> bool:
        from hub.access import visible_tickets

        agent = Agent.objects.get(pk=self.agent_id)
        return visible_tickets(agent).filter(pk=ticket_id).exists()

    async def disconnect(self, code: int) -> None:
        self._feed.close()
        for name in self.groups_joined:
            await self.channel_layer.group_discard(name, self.channel_name)

    async def hub_event(self, event: dict[str, Any]) -> None:
        # Every event reaching us came through a group this agent joined for their scope
        # (connect, follow): a batch holds only such events, each checked as it came.
        await self._feed.add(event)


FEED_COALESCE_MS = 100
"""How long events after the first of a burst wait to go out together in one frame."""

_EncodedKey = tuple[str, Any, Any, Any]
_encoded: dict[_EncodedKey, str] = {}


def feed_frame_text(event: dict[str, Any]) -> str:
    """The event's JSON as the client gets it, encoded once per process, not once per socket.

    A group send reaches each of the fifty agents' sockets of a team as its own message; the
    same event is encoded once here and its text reused. Only the small fixed payload of
    ``hub.realtime.ticket_changed`` is cached; anything else is encoded each time.
    """
    if len(event) > 5 or not event.keys() <= {"type", "event", "ticket_id", "version", "message_id"}:
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
