"""Realtime events to agents, sent only after the change that caused them has committed.

The payload is deliberately small ({event, ticket_id, version}): each agent's client asks the
server for what changed, rendered in its own language and permissions. Groups:
``tickets.all`` (admins and leads), ``team.<id>``, ``agent.<id>`` (assignee), ``ticket.<id>``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.db import transaction

from hub.models import Ticket

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
    ticket: Ticket, event: str, *, message_id: int | None = None, extra_groups: list[str] | None = None
) -> None:
    payload: dict[str, Any] = {
        "type": "hub.event",
        "event": event,
        "ticket_id": ticket.pk,
        "version": ticket.version,
    }
    if message_id is not None:
        payload["message_id"] = message_id
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
            kept_groups, _kept = merged.pop(key)
            groups = [*kept_groups, *groups]
        merged[key] = (list(dict.fromkeys(groups)), payload)
    return list(merged.values())


async def _send_all(layer: BaseChannelLayer, sends: Sends) -> None:
    for groups, payload in sends:
        for group in dict.fromkeys(groups):
            await layer.group_send(group, payload)


# In a plain sync process (a Celery worker) every async_to_sync call builds a fresh event loop,
# and the Redis layer keeps its connection per loop: three reconnects per inbound message. One
# long-lived loop in a daemon thread keeps one connection per process (re-made after a fork).
_loop: tuple[int, asyncio.AbstractEventLoop] | None = None
_loop_lock = threading.Lock()


def _sender_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _loop_lock:
        if _loop is None or _loop[0] != os.getpid() or _loop[1].is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="realtime-sender", daemon=True).start()
            _loop = (os.getpid(), loop)
        return _loop[1]


def _send(sends: Sends) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if isinstance(layer, InMemoryChannelLayer):
            # Its queues belong to the loop the consumers run on, which async_to_sync reuses.
            async_to_sync(_send_all)(layer, sends)
        else:
            # Waited for, so events leave in the order their changes committed.
            asyncio.run_coroutine_threadsafe(_send_all(layer, sends), _sender_loop()).result(timeout=10)
    except Exception:
        log.exception("realtime events %s not sent", [p.get("event", p["type"]) for _g, p in sends])
