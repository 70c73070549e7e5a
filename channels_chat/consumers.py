"""Websocket protocol of the widget (visitors) and of the agent's chat pane.

Visitor → server: resume {after}, message {client_id, text}, typing {active}, read {seq},
contact {name, email}, transcript, csat {rating, comment, scale}. Messages, contact details and
transcripts are rate-limited: over a limit, the answer is error {code: rate_limited}.
Server → visitor: message {seq, client_id, from, text, agent, attachment, at}, ack {client_id, seq},
synced {last_seq, agent_read_seq, csat}, typing {active, name}, read {by, seq}, status {status, csat},
error {code, client_id}. ``csat`` is false, or the question to ask: "csat" (1–5) or "nps" (0–10).
The visitor's token (query string) and the page's Origin are checked before anything is accepted.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar
from urllib.parse import parse_qs

from django.conf import settings

from channels_chat import actions
from channels_chat.actions import ChatError, session_group
from channels_chat.adapter import chat_of_ticket
from channels_chat.models import ChatMessage, ChatSession, Widget
from channels_chat.ordering import GAP_WAIT_SECONDS, InOrder
from channels_chat.serialize import message_view
from channels_chat.tokens import read_visitor_token
from hub import realtime
from hub.access import agent_of, may_change, visible_tickets
from hub.models.account import SurveyScale
from hub.net import rate_key, scope_ip
from hub.ratelimit import allow, allow_all
from hub.sockets import SocketConsumer, db_hop

T = TypeVar("T")

log = logging.getLogger(__name__)


# Visitors and agents have threads of their own: an agent's reply can wait for the ticket's
# row lock while the pipeline holds it, and must not keep visitors' messages from being stored.
VISITOR_THREADS = ThreadPoolExecutor(max_workers=6, thread_name_prefix="chat-visitor")
AGENT_THREADS = ThreadPoolExecutor(max_workers=6, thread_name_prefix="chat-agent")


def db(fn: Callable[..., T], threads: ThreadPoolExecutor = VISITOR_THREADS) -> Callable[..., Awaitable[T]]:
    """Run ``fn`` on a pool of threads, each with its own database connection.

    Channels' default runs every consumer's database work of a process on one thread, so with a
    thousand open chats each message waited for everyone else's queries (seconds at 100
    messages a second, see bench/bench_chat.py). A socket still handles its frames one at a
    time, and the session's row lock orders messages from several tabs. ``db_hop`` spares
    each call the health-check query Django's connection tidying would add.
    """
    return db_hop(fn, threads)


def header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin1"))
    return ""


def address_key(scope: dict[str, Any]) -> str:
    """What limits by address count for this socket's client (``hub.net.rate_key``)."""
    return rate_key(scope_ip(scope))


class VisitorConsumer(SocketConsumer):
    session: ChatSession | None = None
    ticket_group: str | None = None
    address = ""
    gap: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.session = None
        self.address = address_key(self.scope)
        self.order = InOrder(0)
        # Held while deciding and sending message frames, so the log goes out in order (``ordering``).
        self.sending = asyncio.Lock()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin1"))
        opened = await db(self._open)(
            self.scope["url_route"]["kwargs"]["key"],
            (query.get("token") or [""])[0],
            (query.get("lang") or [""])[0][:10],
            (query.get("tz") or [""])[0][:64],
        )
        # Refuse before accepting: a page on a foreign origin never gets an open socket.
        if isinstance(opened, int):
            await self.close(code=opened)
            return
        self.session, ticket_id = opened
        self.order = InOrder(self.session.last_seq)
        await self.channel_layer.group_add(session_group(self.session), self.channel_name)
        await self._join_ticket(ticket_id)
        await self.accept()

    def _open(self, key: str, token: str, language: str, zone: str) -> int | tuple[ChatSession, int | None]:
        """The visitor's session and its ticket, or the close code that refuses them (one hop)."""
        widget = Widget.objects.filter(key=key, enabled=True).first()
        if widget is None:
            return 4404
        origin = header(self.scope, b"origin")
        if not widget.allows_origin(origin):
            log.info("chat websocket for widget %s refused for origin %r", key, origin)
            return 4403
        visitor = read_visitor_token(token, widget.key)
        if visitor is None:
            return 4401
        if not allow("chat-connect-ip", self.address, settings.CHAT_SESSIONS_PER_IP * 5):
            return 4429
        session = actions.open_session(widget, visitor, language=language, timezone_name=zone)
        return session, actions.ticket_id_for(session)

    async def _join_ticket(self, ticket_id: int | None) -> None:
        if ticket_id is not None and self.ticket_group is None:
            self.ticket_group = realtime.ticket_group(ticket_id)
            await self.channel_layer.group_add(self.ticket_group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if self.gap is not None:
            self.gap.cancel()
        if self.session is not None:
            await self.channel_layer.group_discard(session_group(self.session), self.channel_name)
        if self.ticket_group:
            await self.channel_layer.group_discard(self.ticket_group, self.channel_name)

    async def _follow_ticket(self) -> None:
        """Join the ticket's group once the pipeline made the ticket, to learn when it is solved."""
        if self.ticket_group or self.session is None:
            return
        await self._join_ticket(await db(actions.ticket_id_for)(self.session))

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or self.session is None:
            return
        kind = content.get("type")
        handler = {
            "resume": self._resume,
            "message": self._message,
            "typing": self._typing,
            "read": self._read,
            "contact": self._contact,
            "transcript": self._transcript,
            "csat": self._csat,
        }.get(str(kind))
        if handler is None:
            await self.send_json({"type": "error", "code": "unknown_type"})
            return
        try:
            await handler(content)
        except ChatError as exc:
            await self.send_json({"type": "error", "code": exc.code, "client_id": content.get("client_id")})

    async def _resume(self, content: dict[str, Any]) -> None:
        after = content.get("after")
        after = after if isinstance(after, int) and after >= 0 else 0
        assert self.session is not None
        session = self.session

        def load() -> tuple[list[dict[str, Any]], dict[str, Any]]:
            rows = actions.messages_after(session, after)
            session.refresh_from_db(fields=["last_seq", "agent_read_seq"])
            state = {
                "last_seq": session.last_seq,
                "agent_read_seq": session.agent_read_seq,
                "csat": actions.solved_awaiting_survey(session) or False,
            }
            return [message_view(m) for m in rows], state

        async with self.sending:
            rows, state = await db(load)()
            await self._send_messages(self.order.resumed(rows))
        await self.send_json({"type": "synced", "session": str(session.public_id), **state})

    async def _message(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        session, address, known = self.session, self.address, self.ticket_group is not None

        def post() -> tuple[ChatMessage, bool, int | None]:
            # Limits and message in one hop to the thread (the cache calls block): one round trip
            # to Redis for both limits, one statement to the database (``append``). The visitor's
            # limit comes first: a message it refuses takes nothing from the address's budget, so
            # one visitor flooding does not silence everyone else behind that address.
            limits = [
                ("chat-visitor", session.visitor_id, settings.CHAT_RATE_PER_VISITOR),
                ("chat-ip", address, settings.CHAT_RATE_PER_IP),
            ]
            if not allow_all(limits):
                raise ChatError("rate_limited")
            message, created = actions.post_visitor_message(
                session,
                client_id=str(content.get("client_id") or ""),
                text=str(content.get("text") or ""),
                publish=False,
            )
            return message, created, None if known else actions.ticket_id_for(session)

        message, created, ticket_id = await db(post)()
        if created:
            # Committed: the agents' panes hear it from this loop, without a hop to a thread.
            await self.channel_layer.group_send(session_group(session), actions.message_event(session, message))
        await self.send_json({"type": "ack", "client_id": message.client_id, "seq": message.seq})
        await self._join_ticket(ticket_id)

    async def _typing(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        session, active = self.session, bool(content.get("active"))

        def notify() -> None:
            if allow("chat-typing", session.visitor_id, 60):
                actions.notify_agents(session, "chat.typing", active=active)

        await db(notify)()

    async def _read(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        seq = content.get("seq")
        if isinstance(seq, int):
            await db(actions.mark_read_by_visitor)(self.session, seq)

    async def _contact(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        session, name, email = self.session, str(content.get("name") or ""), str(content.get("email") or "")

        def save() -> None:
            # Each save is a write to the session: limited like messages, checked in the same hop.
            if not allow("chat-contact", session.visitor_id, settings.CHAT_CONTACT_RATE_PER_VISITOR):
                raise ChatError("rate_limited")
            actions.save_contact(session, name=name, email=email)

        await db(save)()
        await self.send_json({"type": "contact_saved"})

    async def _transcript(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        session = self.session

        def request() -> None:
            # The limit's cache call blocks: made on the thread, never on the socket's event loop.
            if not allow("chat-transcript", session.visitor_id, 3, 3600):
                raise ChatError("rate_limited")
            actions.request_transcript(session)

        await db(request)()
        await self.send_json({"type": "transcript_requested"})

    async def _csat(self, content: dict[str, Any]) -> None:
        assert self.session is not None
        rating = content.get("rating")
        await db(actions.answer_survey)(
            self.session,
            rating=rating if isinstance(rating, int) else -1,
            comment=str(content.get("comment") or ""),
            scale=str(content.get("scale") or SurveyScale.CSAT),
        )
        await self.send_json({"type": "csat_saved"})

    # Group events -----------------------------------------------------------------------------

    async def chat_message(self, event: dict[str, Any]) -> None:
        async with self.sending:
            await self._send_messages(self.order.arrived(event["message"]))
        if self.order.pending and self.gap is None:
            self.gap = asyncio.create_task(self._fill_gap())

    async def _fill_gap(self) -> None:
        """A message came before one it follows: wait for that push a moment, then read the log."""
        try:
            await asyncio.sleep(GAP_WAIT_SECONDS)
            async with self.sending:
                if self.order.pending and self.session is not None:
                    session, after = self.session, self.order.sent
                    rows = await db(lambda: [message_view(m) for m in actions.messages_after(session, after)])()
                    await self._send_messages(self.order.filled(rows))
        finally:
            self.gap = None

    async def _send_messages(self, frames: list[dict[str, Any]]) -> None:
        for frame in frames:
            await self.send_json(frame)
        if any(frame.get("from") == "agent" for frame in frames):
            await self._follow_ticket()

    async def chat_read(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "read", "by": event["by"], "seq": event["seq"]})

    async def chat_typing(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "typing", "active": event["active"], "name": event.get("name", "")})

    async def chat_status(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "status", "status": event["status"], "csat": False})

    async def hub_event(self, event: dict[str, Any]) -> None:
        # Agent-side events of our ticket; only the fact that it was solved concerns the visitor.
        if event.get("event") != "ticket.updated" or self.session is None:
            return
        scale = await db(actions.solved_awaiting_survey)(self.session)
        if scale:
            await self.send_json({"type": "status", "status": "solved", "csat": scale})


# What an agent's pane sends that the visitor sees: refused for read-only profiles.
CHANGES = frozenset({"send", "typing", "read"})


class AgentChatConsumer(SocketConsumer):
    """The agent's chat pane: live log of followed chats, typing and read receipts to the visitor.

    Agent → server: follow {ticket_id}, typing {ticket_id, active}, read {ticket_id, seq},
    send {ticket_id, client_id, text}. Every ticket is checked against ``hub.access`` first.
    """

    groups_joined: list[str]
    sender: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        self.groups_joined = []
        self.following: dict[int, list[str]] = {}  # ticket id → the groups its follow joined
        user = self.scope.get("user")
        agent = await db(lambda: agent_of(user) if user is not None else None, AGENT_THREADS)()
        if agent is None:
            await self.close(code=4401)
            return
        self.agent = agent
        # Replies are stored and delivered by their own task, in the order sent, so the pane
        # keeps receiving its chats' messages meanwhile: done inline, every reply held up the
        # visitor messages of all the agent's other chats (seconds at a few replies a second).
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sender = asyncio.create_task(self._sending())
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.sender is not None:
            # A reply not yet confirmed ("sent") is resent by the client under its client id.
            self.sender.cancel()
        for name in self.groups_joined:
            await self.channel_layer.group_discard(name, self.channel_name)

    async def _sending(self) -> None:
        while True:
            content = await self.outbox.get()
            try:
                await self._send(content.get("ticket_id"), content)
            except Exception as exc:  # noqa: BLE001 - one failed reply must not stop the others
                log.warning("chat reply on ticket %r failed: %s", content.get("ticket_id"), exc)
                await self.send_json({"type": "error", "code": "send_failed", "client_id": content.get("client_id")})

    def _session_for(self, ticket_id: object) -> ChatSession | None:
        """The chat of a ticket the agent may see (one query), else None."""
        if not isinstance(ticket_id, int):
            return None
        return chat_of_ticket(ticket_id, scope=visible_tickets(self.agent))

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict):
            return
        ticket_id = content.get("ticket_id")
        if content.get("type") in CHANGES and not may_change(self.agent):
            # A viewer follows chats but never writes, types or marks anything read.
            await self.send_json({"type": "error", "code": "read_only", "ticket_id": ticket_id})
            return
        if content.get("type") == "send":
            self.outbox.put_nowait(content)
            return
        session = await db(self._session_for, AGENT_THREADS)(ticket_id)
        if session is None:
            await self.send_json({"type": "error", "code": "not_found", "ticket_id": ticket_id})
            return
        kind = content.get("type")
        if kind == "follow":
            names = [session_group(session), realtime.ticket_group(int(ticket_id))]  # type: ignore[arg-type]
            for name in names:
                await self.channel_layer.group_add(name, self.channel_name)
                self.groups_joined.append(name)
            self.following[int(ticket_id)] = names  # type: ignore[arg-type]
            rows = await db(lambda: [message_view(m) for m in actions.messages_after(session, 0)], AGENT_THREADS)()
            await self.send_json({"type": "history", "ticket_id": ticket_id, "messages": rows})
        elif kind == "typing":
            await self.channel_layer.group_send(
                session_group(session),
                {"type": "chat.typing", "active": bool(content.get("active")), "name": self.agent.user.first_name},
            )
        elif kind == "read" and isinstance(content.get("seq"), int):
            await db(actions.mark_read_by_agent, AGENT_THREADS)(session, content["seq"])

    async def _send(self, ticket_id: object, content: dict[str, Any]) -> None:
        def reply() -> int | None:
            if not isinstance(ticket_id, int):
                return None
            client_id = str(content.get("client_id") or "")[:64] or None
            message = actions.reply_from_pane(
                self.agent, ticket_id, text=str(content.get("text") or ""), client_id=client_id
            )
            return message.pk if message is not None else None

        message_id = await db(reply, AGENT_THREADS)()
        if message_id is None:
            await self.send_json({"type": "error", "code": "not_found", "ticket_id": ticket_id})
            return
        await self.send_json({"type": "sent", "client_id": content.get("client_id"), "message_id": message_id})

    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send_json(event["message"] | {"session": event.get("session")})

    async def chat_typing(self, event: dict[str, Any]) -> None:
        return  # the agent's own typing, echoed through the session group

    async def chat_read(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "read", "by": event["by"], "seq": event["seq"]})

    async def chat_status(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "status", "status": event["status"]})

    async def hub_event(self, event: dict[str, Any]) -> None:
        if event.get("scope_changed") and event.get("ticket_id") in self.following:
            await self._still_visible(int(event["ticket_id"]))
            return
        if str(event.get("event", "")).startswith("chat."):
            await self.send_json({k: v for k, v in event.items() if k != "type"} | {"type": event["event"]})

    async def _still_visible(self, ticket_id: int) -> None:
        """A followed ticket changed team or assignee: if the agent may no longer see it, the
        pane stops hearing its chat (what the visitor writes next is not theirs to read)."""
        visible = await db(lambda: visible_tickets(self.agent).filter(pk=ticket_id).exists(), AGENT_THREADS)()
        if visible:
            return
        for name in self.following.pop(ticket_id):
            await self.channel_layer.group_discard(name, self.channel_name)
            self.groups_joined.remove(name)
        await self.send_json({"type": "unfollowed", "ticket_id": ticket_id, "reason": "out_of_scope"})
