"""The base of every websocket consumer: the hub's agents' feed and the channels' sockets alike.

Public on purpose: a channel app with sockets of its own (the chat widget, the agent's chat
pane) builds on ``SocketConsumer`` and ``db_hop`` and on nothing else of the hub's consumers.

Channels runs ``close_old_connections`` in a thread before every message a consumer handles
(``AsyncConsumer.dispatch``): a hop to its one thread-sensitive executor and back, for each
of the fifty agents' feeds that hear a team's event, for each visitor socket that hears its
ticket's. Consumers built on ``SocketConsumer`` touch the database only inside
``database_sync_to_async`` calls or ``db_hop``, which tidy their threads' connections
themselves, so the hop is left out.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asgiref.sync import SyncToAsync
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import connections

T = TypeVar("T")
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

__all__ = ["SocketConsumer", "db_hop", "tidy_connections", "tune_gc_for_sockets"]


class SocketConsumer(AsyncJsonWebsocketConsumer):
    """A JSON websocket consumer whose messages are handled without a database hop first.

    Its loop is leaner than Channels' ``await_many_dispatch`` too, which for every message
    waits on both sources with ``asyncio.wait`` and starts a new task: the agents' feeds hear
    thousands of events a second between them. Here one long-lived task per source feeds a
    queue that the consumer works off, one message at a time as before. A subclass does its
    database work through ``db_hop`` (or ``database_sync_to_async``), never in the loop.
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
    here. A connection past its age, with errors, or left in a transaction is closed (and
    checked); with PostgreSQL's pool (``hub.pools``) every connection is past its age at once
    (``CONN_MAX_AGE`` 0), so closing gives it back to the pool, which checks it (an empty
    query) before it hands it out again.
    """
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or conn.in_atomic_block:
            continue
        expired = conn.close_at is not None and time.monotonic() >= conn.close_at
        if expired or conn.errors_occurred or conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]:
            conn.close_if_unusable_or_obsolete()


class _DatabaseHop(SyncToAsync):
    def thread_handler(self, loop: Any, *args: Any, **kwargs: Any) -> Any:
        tidy_connections()
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            # Given back after the call, not before the next one: a pooled connection held by
            # an idle thread is one the others wait for.
            tidy_connections()


def db_hop(fn: Callable[..., T], executor: ThreadPoolExecutor) -> Callable[..., Awaitable[T]]:
    """``fn`` on a thread of ``executor`` (each thread its own database connection), awaitable.

    The connection is tidied before each call (``tidy_connections``) without the health-check
    query Django would add. Give each kind of work its own executor, so slow calls of one kind
    (a reply waiting for a row lock) never hold up the others.
    """
    return _DatabaseHop(fn, thread_sensitive=False, executor=executor)
