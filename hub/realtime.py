"""Realtime events to agents, sent only after the change that caused them has committed.

The payload is deliberately small ({event, ticket_id, version}): each agent's client asks the
server for what changed, rendered in its own language and permissions. Groups:
``tickets.all`` (admins and leads), ``team.<id>``, ``agent.<id>`` (assignee), ``ticket.<id>``.
"""

from __future__ import annotations

import asyncio
import atexit
import functools
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from hub.models import Agent, Ticket

log = logging.getLogger(__name__)

ALL_GROUP = "tickets.all"


def team_group(team_id: int) -> str:
    return f"team.{team_id}"


def agent_group(agent_id: int) -> str:
    return f"agent.{agent_id}"


def ticket_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


def groups_for(ticket: Ticket) -> list[str]:
    return scope_groups(ticket.pk, ticket.team_id, ticket.assignee_id)


def scope_groups(ticket_id: int, team_id: int | None, assignee_id: int | None) -> list[str]:
    """The groups of everyone who may see a ticket with this team and assignee, and its own."""
    groups = [ALL_GROUP, ticket_group(ticket_id)]
    if team_id is not None:
        groups.append(team_group(team_id))
    if assignee_id is not None:
        groups.append(agent_group(assignee_id))
    return groups


def ticket_changed(
    ticket: Ticket,
    event: str,
    *,
    message_id: int | None = None,
    extra_groups: list[str] | None = None,
    by: Agent | None = None,
    assignee_id: int | None = None,
    scope_changed: bool = False,
) -> None:
    """``by``: the agent who changed the ticket, named to the others who have it open
    ("Aktualisiert von Tom"); ``assignee_id``: whom an assignment gave it to (a new chat's
    offer goes from the others' screens); ``scope_changed``: who may see the ticket may have
    changed (its team or assignee), so a socket that follows it asks again."""
    payload: dict[str, Any] = {
        "type": "hub.event",
        "event": event,
        "ticket_id": ticket.pk,
        "version": ticket.version,
    }
    if message_id is not None:
        payload["message_id"] = message_id
    if by is not None:
        payload["by"] = {"id": by.pk, "name": by.name}
    if assignee_id is not None:
        payload["assignee_id"] = assignee_id
    if scope_changed:
        payload["scope_changed"] = True
    send_on_commit(groups_for(ticket) + (extra_groups or []), payload)


def ticket_signal(ticket_id: int, event: str, **data: Any) -> None:
    """Tell the agents following ``ticket_id`` a passing ``event`` (a chat's typing, a read receipt).

    Not a change of the ticket: it goes to the ticket's own group only (those who have it open),
    carries no version, and ``data`` rides along as it is. Sent after commit, like every event.
    """
    payload = {"type": "hub.event", "event": event, "ticket_id": ticket_id, "version": 0, **data}
    send_on_commit([ticket_group(ticket_id)], payload)


Sends = list[tuple[list[str], dict[str, Any]]]
_collecting = threading.local()


def send_on_commit(groups: list[str], payload: dict[str, Any]) -> None:
    """Send ``payload`` to ``groups`` once the current transaction has committed (at once outside one)."""
    sends: Sends | None = getattr(_collecting, "sends", None)
    if sends is not None:
        sends.append((groups, payload))
    else:
        transaction.on_commit(lambda: _send([(groups, payload)]))


@contextmanager
def collected(*, coalesce: bool = False) -> Iterator[None]:
    """Events sent inside go out together after commit, in order: one hop to the sender, not one each.

    For a caller inside a transaction that sends several (an agent's reply: the ticket's
    event and the chat's message). Nothing is sent if the block raises. With ``coalesce``
    the same event of the same ticket (a macro's status, priority and tags) goes out once,
    with the last version, to every group any of them named.
    """
    if getattr(_collecting, "sends", None) is not None:
        yield  # already collecting: the outer block sends them
        return
    sends: Sends = []
    _collecting.sends = sends
    try:
        yield
    finally:
        _collecting.sends = None
    if coalesce:
        sends = _coalesced(sends)
    if sends:
        transaction.on_commit(lambda: _send(sends))


def _coalesced(sends: Sends) -> Sends:
    merged: dict[tuple[Any, ...], tuple[list[str], dict[str, Any]]] = {}
    for groups, payload in sends:
        key = (payload.get("event"), payload.get("ticket_id"), payload.get("message_id"), payload.get("version") == 0)
        if key in merged:
            kept_groups, kept = merged.pop(key)
            groups = [*kept_groups, *groups]
            if kept.get("scope_changed"):  # a later change of the same ticket must not hide it
                payload = payload | {"scope_changed": True}
        merged[key] = (list(dict.fromkeys(groups)), payload)
    return list(merged.values())


def _by_group(sends: Sends) -> dict[str, list[dict[str, Any]]]:
    by_group: dict[str, list[dict[str, Any]]] = {}
    for groups, payload in sends:
        for group in dict.fromkeys(groups):
            by_group.setdefault(group, []).append(payload)
    return by_group


async def _send_all(layer: BaseChannelLayer, sends: Sends) -> None:
    """In order, one event after the other (the in-memory layer of the embedded default)."""
    for groups, payload in sends:
        for group in dict.fromkeys(groups):
            await layer.group_send(group, payload)


# Sent from one long-lived loop in a daemon thread per process; the code that committed does
# not wait for Redis. In a plain sync process (a Celery worker) every async_to_sync call would
# build a fresh event loop, and the Redis layer keeps its connection per loop. In the web server
# a chat reply's database thread had waited, holding its pooled connection, for every group
# send of its events one after the other, while other sockets waited for a connection.
# Each group's sends form a chain: a send starts when the group's previous one has ended, so a
# group hears a process's events in commit order, while different groups (and the next reply's
# groups) go at once. ``flush`` waits for what is under way (after each Celery task and at exit),
# so a process that ends does not take its last events with it.
class _Sender:
    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        self.tails: dict[str, asyncio.Task[None]] = {}  # the last send of each group, in the loop
        threading.Thread(target=self.loop.run_forever, name="realtime-sender", daemon=True).start()

    def submit(self, layer: BaseChannelLayer, sends: Sends) -> None:
        self.loop.call_soon_threadsafe(self._start, layer, sends)

    def _start(self, layer: BaseChannelLayer, sends: Sends) -> None:
        for group, payloads in _by_group(sends).items():
            task = self.loop.create_task(self._chain(layer, group, payloads, self.tails.get(group)))
            self.tails[group] = task
            task.add_done_callback(functools.partial(self._ended, group))

    async def _chain(
        self, layer: BaseChannelLayer, group: str, payloads: list[dict[str, Any]], after: asyncio.Task[None] | None
    ) -> None:
        if after is not None:
            await asyncio.wait([after])
        try:
            for payload in payloads:
                await layer.group_send(group, payload)
        except Exception:
            log.exception("realtime events %s not sent to %s", [p.get("event", p["type"]) for p in payloads], group)

    def _ended(self, group: str, task: asyncio.Task[None]) -> None:
        if self.tails.get(group) is task:
            del self.tails[group]

    async def _idle(self) -> None:
        while self.tails:
            await asyncio.wait(list(self.tails.values()))

    def flush(self, timeout: float) -> None:
        asyncio.run_coroutine_threadsafe(self._idle(), self.loop).result(timeout=timeout)


_sender: _Sender | None = None
_sender_lock = threading.Lock()


def _current_sender() -> _Sender:
    global _sender
    with _sender_lock:
        if _sender is None or _sender.pid != os.getpid() or _sender.loop.is_closed():
            _sender = _Sender()
        return _sender


def flush(timeout: float = 10) -> None:
    """Wait until the events this process handed over have gone out (at most ``timeout`` seconds)."""
    sender = _sender
    if sender is None or sender.pid != os.getpid() or sender.loop.is_closed():
        return
    try:
        sender.flush(timeout)
    except TimeoutError:
        log.warning("realtime events still being sent after %s s", timeout)


atexit.register(flush)


def _send(sends: Sends) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        # Its queues belong to the loop the consumers run on, which async_to_sync reuses.
        try:
            async_to_sync(_send_all)(layer, sends)
        except Exception:
            log.exception("realtime events %s not sent", [p.get("event", p["type"]) for _g, p in sends])
        return
    _current_sender().submit(layer, sends)
