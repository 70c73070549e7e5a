"""The chat channel's adapter: widget messages in, agent replies out to the visitor's log."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Exists, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from channels_chat.models import ChatMessage, ChatSession, Sender, Widget
from hub import memo, sql
from hub.adapters import (
    AttachmentLimits,
    BaseAdapter,
    Capabilities,
    ContractSample,
    DeliveryResult,
    InboundAttachment,
    Interaction,
    SenderIdentity,
    Session,
    ThreadHints,
)
from hub.models import IdentityKind, InboundEvent, Message, Ticket

KEY = "chat"
# The contract sample's own widget and session (``ChatAdapter.contract_sample``).
SAMPLE_WIDGET = "contract-sample"
SAMPLE_SESSION = "00000000-0000-4000-8000-00000000c4a7"


def _attachments(payload: dict[str, object]) -> tuple[InboundAttachment, ...]:
    item = payload.get("attachment")
    if not isinstance(item, dict) or not item.get("path"):
        return ()
    with default_storage.open(str(item["path"]), "rb") as handle:
        content = handle.read()
    return (InboundAttachment(str(item["filename"]), str(item["content_type"]), content),)


def identities(p: dict[str, object]) -> tuple[SenderIdentity, ...]:
    """The visitor's identities: our signed visitor id, plus what the host vouched for.

    An email typed into the pre-chat form is a claim: it is recorded but may never attach the
    chat to an existing customer (``joinable=False``), or anyone could read a stranger's
    history by typing their address. Only the host's HMAC-signed identity joins.
    """
    widget, visitor = str(p["widget"]), str(p["visitor"])
    found = [SenderIdentity(IdentityKind.CHAT, f"{widget}:{visitor}", verified=True)]
    if p.get("verified_email"):
        found.append(SenderIdentity(IdentityKind.EMAIL, str(p["verified_email"]), verified=True))
    if p.get("verified_user_id"):
        found.append(SenderIdentity(IdentityKind.EXTERNAL, f"{widget}:{p['verified_user_id']}", verified=True))
    claimed = str(p.get("email") or "")
    if claimed and claimed != p.get("verified_email"):
        found.append(SenderIdentity(IdentityKind.EMAIL, claimed, verified=False, joinable=False))
    return tuple(found)


def latest_chat_key(ticket_id: int) -> sql.SQL:
    """SQL for the thread key of the ticket's latest chat message: the public id of its chat now.

    A ticket may hold several chats (a visitor who comes back); the latest is the one an agent
    talks to. One index walk (ticket, time); a scalar subquery in the chat's statements.
    """
    return sql.latest(
        Message,
        ["thread_key"],
        match={"ticket": ticket_id, "channel": KEY},
        where=(f"{sql.column(Message, 'thread_key')} <> ''", []),
    )


def latest_chat_id(ticket_id: int) -> str | None:
    """The public id of the ticket's chat now (``latest_chat_key``, run on its own), None if it has none."""
    latest, params = latest_chat_key(ticket_id)
    with connection.cursor() as cursor:
        cursor.execute(latest, params)
        row = cursor.fetchone()
    return str(row[0]) if row else None


def chat_of_ticket(ticket_id: int, scope: QuerySet[Ticket] | None = None) -> ChatSession | None:
    """The chat session of the ticket's latest chat message (``latest_chat_key``), or None.

    With ``scope`` (the tickets someone may see), None unless the ticket is among them: one
    query on PostgreSQL, the scope a condition of it.
    """
    if scope is None:
        return memo.cached(("chat.session", ticket_id), lambda: _chat_of_ticket(ticket_id, None))
    return _chat_of_ticket(ticket_id, scope)


def _chat_of_ticket(ticket_id: int, scope: QuerySet[Ticket] | None) -> ChatSession | None:
    latest, params = latest_chat_key(ticket_id)
    if connection.vendor == "postgresql":
        # The SQL is built from our models only (``hub.sql``); the ticket id is a parameter.
        sessions = ChatSession.objects.filter(public_id=RawSQL(f"({latest})::uuid", params))  # noqa: S611
        if scope is not None:
            sessions = sessions.filter(Exists(scope.filter(pk=ticket_id)))
        return sessions.first()
    if scope is not None and not scope.filter(pk=ticket_id).exists():
        return None
    # Elsewhere a UUID is stored without dashes: the key is read first and compared as a value.
    key = latest_chat_id(ticket_id)
    return ChatSession.objects.filter(public_id=key).first() if key else None


class ChatAdapter(BaseAdapter):
    key = KEY
    # A reply is a row on the visitor's log, written in the reply's transaction; an agent takes
    # part in the live session; once the visitor has gone, replies go by email.
    capabilities = Capabilities(local_delivery=True, sessions=True, fallback_reply_channel="email")

    def normalize(self, event: InboundEvent) -> Interaction:
        p = event.payload
        sent_at = p.get("sent_at")
        offline = bool(p.get("offline"))
        return Interaction(
            channel=self.key,
            identities=identities(p),
            display_name=str(p.get("name") or ""),
            # A live chat's ticket is titled by what the visitor first wrote (``hub.text.title``).
            subject=_("Offline message") if offline else ("" if str(p.get("text") or "").strip() else _("Chat")),
            text=str(p.get("text") or ""),
            attachments=_attachments(p),
            thread=ThreadHints(session=str(p["session"])),
            external_id=event.external_id,
            team_hint=str(p.get("team") or ""),
            language=str(p.get("language") or ""),
            timezone=str(p.get("timezone") or ""),
            # A visitor in a live chat waits for an agent; an offline message is answered by
            # email and must not take an agent's chat place.
            wants_agent=not offline,
            metadata={KEY: {"session": p["session"], "seq": p.get("seq"), "widget": p["widget"], "offline": offline}},
            received_at=datetime.fromisoformat(sent_at) if isinstance(sent_at, str) else None,
        )

    def session_of(self, ticket_id: int) -> Session | None:
        chat = chat_of_ticket(ticket_id)
        if chat is None:
            return None
        reason = ""
        if chat.offline:
            reason = _("The visitor left a message while nobody was online.")
        elif chat.ended_at is not None:
            reason = _("The visitor has left the chat.")
        return Session(
            key=chat.thread_key,
            ticket_id=ticket_id,
            live=not reason,
            reason=reason,
            visitor_name=chat.name,
            visitor_read_seq=chat.visitor_read_seq,
        )

    def send(self, message: Message) -> DeliveryResult:
        from channels_chat import outbound  # it reads KEY from here

        chat = chat_of_ticket(message.ticket_id)
        if chat is None:
            return DeliveryResult(ok=False, error="no chat session on this ticket", retryable=False)
        if outbound.post_agent_message(chat, message) is None:
            return self._refused(message.ticket_id)
        return DeliveryResult(ok=True, external_id=f"out:{message.pk}")

    def send_in_transaction(self, message: Message) -> DeliveryResult:
        """Deliver within the reply's transaction: the chat log is a table of ours (``hub.delivery``)."""
        from channels_chat import outbound  # it reads KEY from here

        if outbound.append_reply(message) is None:
            return self._refused(message.ticket_id)
        return DeliveryResult(ok=True)

    def attachment_limits(self) -> AttachmentLimits:
        # What a visitor may send, an agent may send: the widget shows the same kinds of file.
        return AttachmentLimits(
            max_bytes=settings.CHAT_MAX_ATTACHMENT_BYTES, types=frozenset(settings.CHAT_ATTACHMENT_TYPES), max_files=5
        )

    def _refused(self, ticket_id: int) -> DeliveryResult:
        return DeliveryResult(ok=False, error=self.can_reply(ticket_id)[1] or _("Chat ended"), retryable=False)

    def contract_sample(self) -> ContractSample:
        """A visitor's first message in a live chat, as ``inbound`` receives it, on a widget and
        session of its own (made here, once: a second call gives the same sample)."""
        from channels_chat.inbound import payload_of  # it reads KEY from here

        widget, _new = Widget.objects.get_or_create(key=SAMPLE_WIDGET, defaults={"name": "Contract sample"})
        session, _new = ChatSession.objects.get_or_create(
            public_id=SAMPLE_SESSION,
            defaults={"widget": widget, "visitor_id": "sample", "name": "Eva Muster", "language": "de", "last_seq": 1},
        )
        message, _new = ChatMessage.objects.get_or_create(
            session=session, client_id="c1", defaults={"seq": 1, "sender": Sender.VISITOR, "text": "Ist jemand da?"}
        )
        payload = {"text": message.text, "sent_at": message.created_at.isoformat(), "attachment": None}
        return ContractSample(
            external_id=f"{widget.key}:{session.public_id}:{message.client_id}",
            payload=payload | payload_of(session, widget, message),
        )

    def can_reply(self, ticket_id: int) -> tuple[bool, str]:
        chat = chat_of_ticket(ticket_id)
        if chat is None:
            return False, _("No chat on this ticket")
        if chat.offline:
            return False, _("Left while offline: answer by email")
        if chat.ended_at is not None:
            return False, _("Chat ended")
        return True, ""
