"""Who else has a ticket open, and who is writing on it: passing state, never stored in the database.

Each open ticket page (one websocket connection) is an entry of its ticket: the agent, whether
their tab is in the background, and whether they are typing a reply or a note. An entry lives
``VIEW_SECONDS`` unless its page beats again (the client beats every ``HEARTBEAT_SECONDS``), so
a crashed browser or a dead server process stops "viewing" by itself; typing lapses after
``TYPING_SECONDS`` without a keystroke. The socket that ends removes its entries at once.

With Redis (``REDIS_URL``, the cache is Redis) the entries of a ticket are a hash shared by all
processes, its fields the connections; without it (the embedded default: one process, the
in-memory channel layer) a dictionary of this process. Both answer the same ``viewers``.
Signals only: nothing is locked (UX.md, section 6).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from hub.realtime import ticket_group

__all__ = [
    "EVENT",
    "HEARTBEAT_SECONDS",
    "TYPING_SECONDS",
    "VIEW_SECONDS",
    "SocketPresence",
    "Viewer",
    "leave",
    "others_only",
    "typing",
    "view",
    "viewers",
    "viewers_of",
]

HEARTBEAT_SECONDS = 15
"""How often an open ticket page says it is still there."""

VIEW_SECONDS = 45
"""How long an entry lives without a heartbeat: three beats may be lost before it lapses."""

TYPING_SECONDS = 6
"""How long "is typing" lasts after the last keystroke the client reported (it reports at most
every two seconds while keys are pressed, and "stopped" after four quiet seconds or a send)."""

MODES = ("reply", "note")

EVENT = "ticket.viewers"
"""The event that tells a ticket's group who is on it now (``viewers``: ``Viewer.as_json``)."""


@dataclass(frozen=True)
class Viewer:
    """One agent on a ticket, whatever number of tabs they have it open in."""

    agent_id: int
    name: str
    typing: str  # "", "reply" or "note"
    background: bool  # every one of their tabs on the ticket is in the background

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Entry:
    agent_id: int
    name: str
    until: float
    typing: str = ""
    typing_until: float = 0.0
    background: bool = False

    def live(self, now: float) -> bool:
        return self.until > now

    def typing_now(self, now: float) -> str:
        return self.typing if self.typing_until > now else ""


def _now() -> float:
    return time.time()


def view(ticket_id: int, connection: str, *, agent_id: int, name: str, background: bool = False) -> None:
    """``connection`` (a socket) has ``ticket_id`` open now; a heartbeat is the same call."""
    now = _now()
    old = _store().get(ticket_id, connection)
    if old is not None and old.agent_id == agent_id and old.typing_until > now:
        mode, until = old.typing, old.typing_until  # a heartbeat while typing keeps typing
    else:
        mode, until = "", 0.0
    _store().put(ticket_id, connection, _Entry(agent_id, name, now + VIEW_SECONDS, mode, until, background))


def typing(ticket_id: int, connection: str, *, agent_id: int, name: str, mode: str) -> None:
    """``connection`` is typing a ``mode`` ("reply", "note") on ``ticket_id``; "" when it stopped.

    Typing is viewing too: a page whose heartbeat was lost shows up again with its first key.
    """
    now = _now()
    old = _store().get(ticket_id, connection)
    mode = mode if mode in MODES else ""
    until = now + TYPING_SECONDS if mode else 0.0
    background = old.background if old is not None else False
    _store().put(ticket_id, connection, _Entry(agent_id, name, now + VIEW_SECONDS, mode, until, background))


def leave(ticket_id: int, connection: str) -> None:
    """``connection`` closed ``ticket_id`` (another ticket, the list, the tab closed)."""
    _store().remove(ticket_id, connection)


def viewers(ticket_id: int) -> list[Viewer]:
    """The agents on ``ticket_id`` now, one each (their tabs merged), by name.

    An agent types if any of their tabs types, and is in the background only if all are.
    """
    now = _now()
    return _merged(_store().entries(ticket_id, now), now)


def viewers_of(ticket_ids: Iterable[int]) -> dict[int, list[Viewer]]:
    """``viewers`` of many tickets (a page of the inbox list) in one round trip to Redis;
    tickets nobody is on are left out."""
    now = _now()
    found = _store().entries_of(list(dict.fromkeys(ticket_ids)), now)
    return {ticket_id: _merged(entries, now) for ticket_id, entries in found.items() if entries}


def _merged(entries: list[_Entry], now: float) -> list[Viewer]:
    merged: dict[int, Viewer] = {}
    for entry in entries:
        seen = merged.get(entry.agent_id)
        typing_now = entry.typing_now(now)
        if seen is None:
            merged[entry.agent_id] = Viewer(entry.agent_id, entry.name, typing_now, entry.background)
        else:
            merged[entry.agent_id] = Viewer(
                entry.agent_id,
                entry.name,
                seen.typing or typing_now,
                seen.background and entry.background,
            )
    return sorted(merged.values(), key=lambda v: (v.name.casefold(), v.agent_id))


class _MemoryStore:
    """The embedded default's: one process holds every socket."""

    def __init__(self) -> None:
        self._tickets: dict[int, dict[str, _Entry]] = {}
        self._lock = threading.Lock()

    def get(self, ticket_id: int, connection: str) -> _Entry | None:
        with self._lock:
            return self._tickets.get(ticket_id, {}).get(connection)

    def put(self, ticket_id: int, connection: str, entry: _Entry) -> None:
        with self._lock:
            self._tickets.setdefault(ticket_id, {})[connection] = entry

    def remove(self, ticket_id: int, connection: str) -> None:
        with self._lock:
            entries = self._tickets.get(ticket_id, {})
            entries.pop(connection, None)
            if not entries:
                self._tickets.pop(ticket_id, None)

    def entries(self, ticket_id: int, now: float) -> list[_Entry]:
        with self._lock:
            entries = self._tickets.get(ticket_id, {})
            for connection in [c for c, e in entries.items() if not e.live(now)]:
                del entries[connection]
            if not entries:
                self._tickets.pop(ticket_id, None)
            return list(entries.values())

    def entries_of(self, ticket_ids: list[int], now: float) -> dict[int, list[_Entry]]:
        return {ticket_id: self.entries(ticket_id, now) for ticket_id in ticket_ids}


class _RedisStore:
    """A hash per ticket (``collision:<id>``), a field per connection holding its entry as JSON.

    The key expires ``VIEW_SECONDS`` after its last write, so a ticket nobody has open leaves
    nothing behind; a field that lapsed while others kept the key alive is dropped on reading.
    """

    def __init__(self, backend: RedisCache) -> None:
        self._backend = backend

    def _key(self, ticket_id: int) -> str:
        return self._backend.make_and_validate_key(f"collision:{ticket_id}")

    def _client(self, key: str) -> Any:
        # Django's RedisCache has no hash commands; its client is redis-py's (as in hub.ratelimit).
        return self._backend._cache.get_client(key, write=True)

    def get(self, ticket_id: int, connection: str) -> _Entry | None:
        key = self._key(ticket_id)
        raw = self._client(key).hget(key, connection)
        return _decode(raw) if raw is not None else None

    def put(self, ticket_id: int, connection: str, entry: _Entry) -> None:
        key = self._key(ticket_id)
        pipe = self._client(key).pipeline(transaction=False)
        pipe.hset(key, connection, json.dumps(asdict(entry)))
        pipe.expire(key, VIEW_SECONDS)
        pipe.execute()

    def remove(self, ticket_id: int, connection: str) -> None:
        key = self._key(ticket_id)
        self._client(key).hdel(key, connection)

    def entries(self, ticket_id: int, now: float) -> list[_Entry]:
        key = self._key(ticket_id)
        client = self._client(key)
        live: list[_Entry] = []
        lapsed: list[str] = []
        for field, raw in client.hgetall(key).items():
            entry = _decode(raw)
            if entry is not None and entry.live(now):
                live.append(entry)
            else:
                lapsed.append(field)
        if lapsed:
            client.hdel(key, *lapsed)
        return live

    def entries_of(self, ticket_ids: list[int], now: float) -> dict[int, list[_Entry]]:
        """One pipeline of HGETALLs; lapsed fields are skipped here and dropped by the next
        ``entries`` of their ticket (or with the key, ``VIEW_SECONDS`` after its last write)."""
        if not ticket_ids:
            return {}
        keys = [self._key(ticket_id) for ticket_id in ticket_ids]
        pipe = self._client(keys[0]).pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        found: dict[int, list[_Entry]] = {}
        for ticket_id, fields in zip(ticket_ids, pipe.execute(), strict=True):
            entries = [entry for entry in map(_decode, fields.values()) if entry is not None and entry.live(now)]
            if entries:
                found[ticket_id] = entries
        return found


def _decode(raw: bytes | str) -> _Entry | None:
    try:
        return _Entry(**json.loads(raw))
    except (TypeError, ValueError):
        return None


_memory = _MemoryStore()


def _store() -> _MemoryStore | _RedisStore:
    backend = caches["default"]
    return _RedisStore(backend) if isinstance(backend, RedisCache) else _memory


class SocketPresence:
    """One agent socket's part: the ticket its page shows, heartbeats and typing, told to the
    ticket's group (``ticket.<id>``) as ``ticket.viewers`` with everyone on the ticket.

    What the inbox rows show (who views, who types) is also told to the groups ``scope`` names
    for the ticket (its team, its assignee, admins and leads), but only when this socket's part
    of it changes (opening, leaving, starting or stopping to type): a heartbeat, the background
    flag or the next keystroke reaches only those who have the ticket open, so a team's fifty
    sockets do not hear every page beat.

    The socket's ``receive_json`` hands over ``{"type": "view", "ticket_id": id | null,
    "background": bool}`` (on opening a ticket, every ``HEARTBEAT_SECONDS``, and when the tab
    goes to the background or comes back) and ``{"type": "typing", "ticket_id": id, "mode":
    "reply" | "note" | ""}``; ``close`` when the socket ends. ``follow`` must check the agent
    may see the ticket and join its group; it is asked once per ticket.
    """

    def __init__(
        self,
        *,
        layer: Any,
        connection: str,
        agent_id: int,
        name: str,
        follow: Callable[[int], Awaitable[bool]],
        scope: Callable[[int], list[str]] | None = None,
    ) -> None:
        self._layer = layer
        self._connection = connection
        self._agent_id = agent_id
        self._name = name
        self._follow = follow
        self._scope = scope
        self._allowed: set[int] = set()
        self._mode = ""  # what this socket types on its ticket, as last told to the rows
        self._heard: dict[int, tuple[int, Any]] = {}  # per ticket, the last event passed on
        self.ticket_id: int | None = None

    async def handle(self, content: dict[str, Any]) -> bool:
        """Act on a presence message; False when ``content`` is none."""
        kind = content.get("type")
        ticket_id = content.get("ticket_id")
        if kind == "view":
            await self._view(ticket_id if isinstance(ticket_id, int) else None, content.get("background") is True)
        elif kind == "typing":
            mode = content.get("mode")
            if ticket_id == self.ticket_id and self.ticket_id is not None and isinstance(mode, str):
                await _off_loop(
                    typing, self.ticket_id, self._connection, agent_id=self._agent_id, name=self._name, mode=mode
                )
                mode = mode if mode in MODES else ""
                changed, self._mode = mode != self._mode, mode
                await self._tell(self.ticket_id, rows=changed)
        else:
            return False
        return True

    def is_news(self, event: dict[str, Any]) -> bool:
        """Whether a ``ticket.viewers`` event heard by this socket is newer than the last one of
        its ticket: one told to the ticket's group and its team arrives twice, and events from
        several processes may overtake each other."""
        ticket_id, version, present = event.get("ticket_id"), event.get("version"), event.get("viewers")
        if not isinstance(ticket_id, int) or not isinstance(version, int):
            return True
        last = self._heard.get(ticket_id)
        if last is not None and (version < last[0] or (version == last[0] and present == last[1])):
            return False
        if len(self._heard) >= 1000:  # the tickets of the last while are enough
            self._heard.clear()
        self._heard[ticket_id] = (version, present)
        return True

    async def close(self) -> None:
        await self._view(None, False)

    async def _view(self, ticket_id: int | None, background: bool) -> None:
        previous = self.ticket_id
        if ticket_id is not None and ticket_id not in self._allowed:
            if not await self._follow(ticket_id):
                ticket_id = None
            else:
                self._allowed.add(ticket_id)
        moved = previous != ticket_id
        if previous is not None and moved:
            await _off_loop(leave, previous, self._connection)
            await self._tell(previous, rows=True)
        self.ticket_id = ticket_id
        if moved:
            self._mode = ""
        if ticket_id is not None:
            await _off_loop(
                view, ticket_id, self._connection, agent_id=self._agent_id, name=self._name, background=background
            )
            await self._tell(ticket_id, rows=moved)

    async def _tell(self, ticket_id: int, *, rows: bool = False) -> None:
        present = await _off_loop(viewers, ticket_id)
        payload = {
            "type": "hub.event",
            "event": EVENT,
            "ticket_id": ticket_id,
            # Later states win where the agents' feed coalesces (hub.consumers.CoalescedFeed).
            "version": time.time_ns() // 1_000_000,
            "viewers": [v.as_json() for v in present],
        }
        groups = [ticket_group(ticket_id)]
        if rows and self._scope is not None:
            groups += self._scope(ticket_id)
        for group in dict.fromkeys(groups):
            await self._layer.group_send(group, payload)


def others_only(event: dict[str, Any], agent_id: int) -> dict[str, Any]:
    """A ``ticket.viewers`` event as agent ``agent_id`` gets it: without themselves."""
    mine = [v for v in event.get("viewers", []) if v.get("agent_id") != agent_id]
    return event | {"viewers": mine}


async def _off_loop(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    # Redis round trips (or the memory store's lock) in a worker thread, never on the socket's loop.
    return await sync_to_async(fn, thread_sensitive=False)(*args, **kwargs)
