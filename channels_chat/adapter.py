"""The chat channel's adapter: widget messages in, agent replies out to the visitor's log."""

from __future__ import annotations

from datetime import datetime

from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Exists, QuerySet, Subquery, UUIDField
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from channels_chat.actions import append_reply, post_agent_message
from channels_chat.models import ChatSession
from hub.adapters import DeliveryResult, InboundAttachment, Interaction, SenderIdentity, ThreadHints
from hub.models import InboundEvent, Message, Ticket


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
    found = [SenderIdentity("chat", f"{widget}:{visitor}", verified=True)]
    if p.get("verified_email"):
        found.append(SenderIdentity("email", str(p["verified_email"]), verified=True))
    if p.get("verified_user_id"):
        found.append(SenderIdentity("external", f"{widget}:{p['verified_user_id']}", verified=True))
    claimed = str(p.get("email") or "")
    if claimed and claimed != p.get("verified_email"):
        found.append(SenderIdentity("email", claimed, verified=False, joinable=False))
    return tuple(found)


class ChatAdapter:
    key = "chat"

    def normalize(self, event: InboundEvent) -> Interaction:
        p = event.payload
        sent_at = p.get("sent_at")
        return Interaction(
            channel=self.key,
            identities=identities(p),
            display_name=str(p.get("name") or ""),
            subject=_("Chat") if not p.get("offline") else _("Offline message"),
            text=str(p.get("text") or ""),
            attachments=_attachments(p),
            thread=ThreadHints(session=str(p["session"])),
            external_id=event.external_id,
            team_hint=str(p.get("team") or ""),
            language=str(p.get("language") or ""),
            metadata={
                "chat": {
                    "session": p["session"],
                    "seq": p.get("seq"),
                    "widget": p["widget"],
                    "offline": bool(p.get("offline")),
                }
            },
            received_at=datetime.fromisoformat(sent_at) if isinstance(sent_at, str) else None,
        )

    def _session(self, ticket_id: int) -> ChatSession | None:
        return self.session_of(ticket_id)

    def session_of(self, ticket_id: int, scope: QuerySet[Ticket] | None = None) -> ChatSession | None:
        """The chat of the ticket's latest chat message (a ticket may hold several chats).

        With ``scope`` (the tickets someone may see), None unless the ticket is among them.
        """
        if scope is not None and connection.vendor != "postgresql" and not scope.filter(pk=ticket_id).exists():
            return None
        latest = (
            Message.objects.filter(ticket_id=ticket_id, channel=self.key)
            .exclude(thread_key="")
            .order_by("-created_at", "-id")
            .values_list("thread_key", flat=True)
        )
        if connection.vendor == "postgresql":
            # One query: the thread key is the session's public id as text; the scope a condition.
            sessions = ChatSession.objects.filter(public_id=Cast(Subquery(latest[:1]), UUIDField()))
            if scope is not None:
                sessions = sessions.filter(Exists(scope.filter(pk=ticket_id)))
            return sessions.first()
        key = latest.first()
        return ChatSession.objects.filter(public_id=key).first() if key else None

    def send(self, message: Message) -> DeliveryResult:
        session = self._session(message.ticket_id)
        if session is None:
            return DeliveryResult(ok=False, error="no chat session on this ticket", retryable=False)
        if post_agent_message(session, message) is None:
            return self._refused(message.ticket_id)
        return DeliveryResult(ok=True, external_id=f"out:{message.pk}")

    def send_in_transaction(self, message: Message) -> DeliveryResult:
        """Deliver within the reply's transaction: the chat log is a table of ours (``hub.delivery``)."""
        if append_reply(message) is None:
            return self._refused(message.ticket_id)
        return DeliveryResult(ok=True)

    def _refused(self, ticket_id: int) -> DeliveryResult:
        return DeliveryResult(ok=False, error=self.can_reply(ticket_id)[1] or _("Chat ended"), retryable=False)

    def can_reply(self, ticket_id: int) -> tuple[bool, str]:
        session = self._session(ticket_id)
        if session is None:
            return False, _("No chat on this ticket")
        if session.offline:
            return False, _("Left while offline: answer by email")
        if session.ended_at is not None:
            return False, _("Chat ended")
        return True, ""
