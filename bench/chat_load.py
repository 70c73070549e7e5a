"""The chat benchmark's load generator: visitors and agents as websocket clients in one asyncio loop.

Every message carries a unique id (the visitor's client id; for agents, in the text, since the
visitor sees an agent message under the hub's id). Receipt is counted per id at the receiver
the message is meant for, so a message that never arrives is lost and one that arrives twice is
doubled. Visitors also check the server sequence of every message frame: each one exactly once,
without gaps, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

C2A = "bench c2a "
A2C = "bench a2c "


def percentiles(values: list[float]) -> dict[str, float]:
    """median, p95, p99 and max in milliseconds (of values in seconds); empty dict for none."""
    if not values:
        return {}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    return {
        "median": statistics.median(ordered) * 1000,
        "p95": at(0.95),
        "p99": at(0.99),
        "max": ordered[-1] * 1000,
    }


@dataclass
class Flow:
    """Messages of one direction: when each id was sent and every time it was received."""

    sent: dict[str, float] = field(default_factory=dict)
    received: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # Per conversation, the order in which ids were sent and received.
    sent_order: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    received_order: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    acked: dict[str, float] = field(default_factory=dict)

    def send(self, conversation: int, key: str) -> None:
        self.sent[key] = time.perf_counter()
        self.sent_order[conversation].append(key)

    def receive(self, conversation: int, key: str, at: float) -> None:
        if key in self.sent:
            self.received[key].append(at)
            self.received_order[conversation].append(key)

    def outstanding(self) -> int:
        return sum(1 for key in self.sent if key not in self.received)

    def latencies(self) -> list[float]:
        return [times[0] - self.sent[key] for key, times in self.received.items() if key in self.sent]

    def ack_latencies(self) -> list[float]:
        return [at - self.sent[key] for key, at in self.acked.items() if key in self.sent]

    def lost(self) -> int:
        return self.outstanding()

    def doubled(self) -> int:
        return sum(1 for times in self.received.values() if len(times) > 1)

    def out_of_order(self) -> int:
        """Conversations whose messages arrived in another order than they were sent."""
        bad = 0
        for conversation, got in self.received_order.items():
            position = {key: n for n, key in enumerate(self.sent_order[conversation])}
            firsts = list(dict.fromkeys(got))
            if [position[k] for k in firsts] != sorted(position[k] for k in firsts):
                bad += 1
        return bad


@dataclass
class Stats:
    # Flows by name; a message id is "<flow>-<n>", so a receiver knows which flow it belongs to.
    flows: dict[str, Flow] = field(default_factory=lambda: defaultdict(Flow))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    # Agent feed (ws/agent/): first receipt of a hub event per (ticket, message id).
    feed: dict[tuple[int, int], float] = field(default_factory=dict)
    handshakes: list[float] = field(default_factory=list)
    refused: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def error(self, code: str) -> None:
        self.errors[code] += 1

    def closed(self, ws: ClientConnection, who: str) -> None:
        """Count sockets the server closed (ours close with 1000 at the end of a phase)."""
        if ws.close_code not in (1000, None):
            self.error(f"{who} closed:{ws.close_code} {ws.close_reason or ''}".strip())

    def flow(self, key: str) -> Flow | None:
        name = key.split("-", 1)[0]
        return self.flows.get(name, None)


def _origin(origin: str) -> Any:
    return origin  # websockets types Origin as a NewType of str


class Visitor:
    def __init__(self, index: int, url: str, origin: str, stats: Stats) -> None:
        self.index, self.url, self.origin, self.stats = index, url, origin, stats
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.seqs: list[int] = []
        self.synced: asyncio.Event = asyncio.Event()
        self.own: dict[str, int] = {}  # own client id → seq from the ack

    async def open(self, timeout: float = 30) -> bool:
        started = time.perf_counter()
        try:
            self.ws = await connect(
                self.url, origin=_origin(self.origin), open_timeout=timeout, ping_interval=None, max_queue=256
            )
        except Exception as exc:  # noqa: BLE001 - a refused connection is a result, not a crash
            self.stats.refused[type(exc).__name__] += 1
            return False
        self.stats.handshakes.append(time.perf_counter() - started)
        self.synced = asyncio.Event()
        self.reader = asyncio.create_task(self._read(self.ws))
        return True

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message":
                    self.seqs.append(int(frame["seq"]))
                    text = str(frame.get("text") or "")
                    if frame.get("from") == "agent" and text.startswith(A2C):
                        key = text[len(A2C) :]
                        if (flow := self.stats.flow(key)) is not None:
                            flow.receive(self.index, key, now)
                elif kind == "ack":
                    key = str(frame["client_id"])
                    if (flow := self.stats.flow(key)) is not None:
                        flow.acked.setdefault(key, now)
                    self.own[key] = int(frame["seq"])
                elif kind == "synced":
                    self.synced.set()
                elif kind == "error":
                    self.stats.error(f"visitor:{frame.get('code')}")
        self.stats.closed(ws, "visitor")

    async def send(self, key: str) -> None:
        assert self.ws is not None
        self.stats.flows[key.split("-", 1)[0]].send(self.index, key)
        try:
            await self.ws.send(json.dumps({"type": "message", "client_id": key, "text": C2A + key}))
        except Exception:  # noqa: BLE001
            self.stats.error("visitor:send_failed")

    async def resume(self) -> None:
        assert self.ws is not None
        after = max(self.seqs, default=0)
        await self.ws.send(json.dumps({"type": "resume", "after": after}))

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self.reader, 5)
        self.ws = None

    def sequence_faults(self) -> tuple[int, int, int]:
        """(doubled, missing, out of order) among the message frames' sequence numbers."""
        doubled = len(self.seqs) - len(set(self.seqs))
        unique = sorted(set(self.seqs))
        missing = (unique[-1] - unique[0] + 1 - len(unique)) if unique else 0
        first_seen = list(dict.fromkeys(self.seqs))
        disorder = sum(1 for a, b in itertools.pairwise(first_seen) if b < a)
        return doubled, missing, disorder


class AgentPane:
    """An agent's chat pane (ws/chat/agent/): follows tickets, receives chats, sends replies."""

    def __init__(self, index: int, url: str, origin: str, cookie: str, stats: Stats, agent_pk: int = 0) -> None:
        self.index, self.url, self.origin, self.cookie, self.stats = index, url, origin, cookie, stats
        self.agent_pk = agent_pk
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None
        self.history: dict[int, asyncio.Future[None]] = {}
        # session public id → conversation (visitor index)
        self.conversations: dict[str, int] = {}

    async def open(self) -> None:
        self.ws = await connect(
            self.url,
            origin=_origin(self.origin),
            additional_headers={"Cookie": self.cookie},
            open_timeout=30,
            ping_interval=None,
            max_queue=4096,
        )
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                kind = frame.get("type")
                if kind == "message":
                    text = str(frame.get("text") or "")
                    conversation = self.conversations.get(str(frame.get("session")))
                    key = str(frame.get("client_id"))
                    flow = self.stats.flow(key)
                    if frame.get("from") == "visitor" and text.startswith(C2A) and conversation is not None and flow:
                        flow.receive(conversation, key, now)
                elif kind == "sent":
                    key = str(frame.get("client_id"))
                    if (flow := self.stats.flow(key)) is not None:
                        flow.acked.setdefault(key, now)
                elif kind == "history":
                    waiter = self.history.pop(int(frame["ticket_id"]), None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(None)
                elif kind == "error":
                    self.stats.error(f"agent:{frame.get('code')}")
                    waiter = self.history.pop(frame.get("ticket_id"), None)
                    if waiter is not None and not waiter.done():
                        waiter.set_exception(RuntimeError(f"follow refused: {frame}"))
        self.stats.closed(ws, "pane")

    async def follow(self, ticket_id: int, session: str, conversation: int) -> None:
        assert self.ws is not None
        self.conversations[session] = conversation
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.history[ticket_id] = waiter
        await self.ws.send(json.dumps({"type": "follow", "ticket_id": ticket_id}))
        await asyncio.wait_for(waiter, 30)

    async def send(self, ticket_id: int, conversation: int, key: str) -> None:
        assert self.ws is not None
        self.stats.flows[key.split("-", 1)[0]].send(conversation, key)
        try:
            await self.ws.send(
                json.dumps({"type": "send", "ticket_id": ticket_id, "client_id": key, "text": A2C + key})
            )
        except Exception:  # noqa: BLE001
            self.stats.error("agent:send_failed")

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self.reader, 5)


class AgentFeed:
    """The agent's live inbox feed (ws/agent/): records when each message event first arrives."""

    def __init__(self, url: str, origin: str, cookie: str, stats: Stats) -> None:
        self.url, self.origin, self.cookie, self.stats = url, origin, cookie, stats
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.ws = await connect(
            self.url,
            origin=_origin(self.origin),
            additional_headers={"Cookie": self.cookie},
            open_timeout=30,
            ping_interval=None,
            max_queue=4096,
        )
        self.reader = asyncio.create_task(self._read(self.ws))

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                now = time.perf_counter()
                frame = json.loads(raw)
                # Events close together come as one frame {"type": "batch", "events": [...]}.
                for event in frame["events"] if frame.get("type") == "batch" else [frame]:
                    if event.get("type") in ("ticket.created", "message.added") and event.get("message_id"):
                        self.stats.feed.setdefault((int(event["ticket_id"]), int(event["message_id"])), now)
        self.stats.closed(ws, "feed")

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self.reader, 5)


async def open_ramped(visitors: list[Visitor], per_second: float) -> float:
    """Open every visitor's socket at ``per_second`` (0: all at once); returns the seconds taken."""
    started = time.perf_counter()
    tasks = []
    for n, visitor in enumerate(visitors):
        if per_second > 0:
            delay = started + n / per_second - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(visitor.open()))
    await asyncio.gather(*tasks)
    return time.perf_counter() - started


async def paced(count_per_second: float, seconds: float, action: Any) -> int:
    """Call ``action(n)`` (a coroutine function) ``count_per_second`` times a second for ``seconds``."""
    started = time.perf_counter()
    total = int(count_per_second * seconds)
    tasks = []
    for n in range(total):
        delay = started + n / count_per_second - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(action(n)))
    await asyncio.gather(*tasks)
    return total


async def drain(flows: list[Flow], timeout: float) -> float:
    """Wait until every sent message arrived or ``timeout`` passed; returns the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout and any(f.outstanding() for f in flows):
        await asyncio.sleep(0.05)
    return time.perf_counter() - started
