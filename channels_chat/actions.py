"""The only functions that change chat state. Consumers and the widget API call these.

A visitor's message is written to the session's log under a row lock on the session, which
gives it the next sequence number, and handed to the hub pipeline in the same transaction
(``receive``): the visitor's ack means both the log entry and the durable InboundEvent exist.
Pushes to the visitor's browser tabs go out after commit.
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from channels_chat.models import ChatMessage, ChatSession, Sender, SurveyResponse, Widget
from channels_chat.serialize import message_view
from channels_chat.tokens import Visitor
from hub import realtime
from hub.identity import InvalidIdentity, normalize_email
from hub.models import Message, Ticket, TicketStatus
from hub.pipeline import receive
from hub.text import clean_text

log = logging.getLogger(__name__)


class ChatError(ValueError):
    """A visitor request we refuse; ``code`` is what the widget shows (translated there)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


def session_group(session: ChatSession) -> str:
    return f"chat.session.{session.public_id}"


def push(group: str, payload: dict[str, Any]) -> None:
    """Send to a channel-layer group once the current transaction has committed."""

    def send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(group, payload)
        except Exception:
            log.exception("chat push to %s failed", group)

    transaction.on_commit(send)


def current_session(widget: Widget, visitor: Visitor) -> ChatSession | None:
    return (
        ChatSession.objects.filter(widget=widget, visitor_id=visitor.visitor_id, ended_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


def open_session(
    widget: Widget,
    visitor: Visitor,
    *,
    offline: bool = False,
    language: str = "",
    verified_email: str = "",
    verified_user_id: str = "",
) -> ChatSession:
    """The visitor's current conversation on this widget, started if there is none."""
    session = current_session(widget, visitor)
    if session is None:
        session = ChatSession.objects.create(
            widget=widget, visitor_id=visitor.visitor_id, offline=offline, language=language[:10]
        )
    changed = []
    if verified_email and session.verified_email != verified_email:
        session.verified_email = verified_email
        changed.append("verified_email")
    if verified_user_id and session.verified_user_id != verified_user_id:
        session.verified_user_id = verified_user_id
        changed.append("verified_user_id")
    if changed:
        session.save(update_fields=changed)
    return session


def save_contact(session: ChatSession, *, name: str = "", email: str = "") -> ChatSession:
    """The pre-chat (or offline) form's name and email: a claim, never a verified identity."""
    if email:
        try:
            email = normalize_email(email)
        except InvalidIdentity:
            raise ChatError("invalid_email") from None
    session.name = clean_text(name).strip()[:200] or session.name
    session.email = email or session.email
    session.save(update_fields=["name", "email"])
    return session


def _check_upload(upload: UploadedFile | None) -> None:
    if upload is None:
        return
    if (upload.size or 0) > settings.CHAT_MAX_ATTACHMENT_BYTES:
        raise ChatError("file_too_large")
    if (upload.content_type or "").split(";")[0].strip().lower() not in settings.CHAT_ATTACHMENT_TYPES:
        raise ChatError("file_type")


def inbound_payload(session: ChatSession, message: ChatMessage) -> dict[str, Any]:
    widget = session.widget
    return {
        "widget": widget.key,
        "team": widget.team.slug if widget.team else "",
        "session": str(session.public_id),
        "visitor": session.visitor_id,
        "chat_message": message.pk,
        "seq": message.seq,
        "text": message.text,
        "name": session.name,
        "email": session.email,
        "verified_email": session.verified_email,
        "verified_user_id": session.verified_user_id,
        "offline": session.offline,
        "language": session.language,
        "sent_at": message.created_at.isoformat(),
        "attachment": {"path": message.file.name, "filename": message.filename, "content_type": message.content_type}
        if message.file
        else None,
    }


def post_visitor_message(
    session: ChatSession, *, client_id: str, text: str, upload: UploadedFile | None = None
) -> tuple[ChatMessage, bool]:
    """Append the visitor's message to the log and hand it to the pipeline; idempotent per client id.

    Returns the message and whether it is new. The same client id again returns the first
    message with its original sequence, so a client resending after a lost ack sees one message.
    """
    client_id = client_id.strip()[:64]
    text = clean_text(text).strip()
    if not client_id:
        raise ChatError("client_id_missing")
    earlier = ChatMessage.objects.filter(session=session, client_id=client_id).first()
    if earlier is not None:
        return earlier, False
    if not text and upload is None:
        raise ChatError("empty")
    if len(text) > settings.CHAT_MAX_TEXT:
        raise ChatError("too_long")
    _check_upload(upload)
    try:
        with transaction.atomic():
            locked = (
                ChatSession.objects.select_for_update(of=("self",)).select_related("widget__team").get(pk=session.pk)
            )
            if locked.ended_at is not None:
                raise ChatError("ended")
            locked.last_seq += 1
            locked.save(update_fields=["last_seq"])
            message = ChatMessage(
                session=locked, seq=locked.last_seq, client_id=client_id, sender=Sender.VISITOR, text=text
            )
            if upload is not None:
                message.filename = clean_text(upload.name or "")[:255] or "attachment"
                message.content_type = (upload.content_type or "").split(";")[0].strip().lower()
                message.size = upload.size or 0
                message.file.save(message.filename, upload, save=False)
            message.save()
            receive(
                "chat",
                external_id=f"{locked.widget.key}:{locked.public_id}:{client_id}",
                payload=inbound_payload(locked, message),
            )
            # The session tells an agent's pane following several chats which one this is.
            push(
                session_group(locked),
                {"type": "chat.message", "session": str(locked.public_id), "message": message_view(message)},
            )
    except IntegrityError:
        # The same client id from another tab or connection won the race: answer with its message.
        found = ChatMessage.objects.filter(session=session, client_id=client_id).first()
        if found is None:
            raise
        return found, False
    session.last_seq = message.seq
    return message, True


def post_agent_message(session: ChatSession, hub_message: Message) -> ChatMessage:
    """Append an agent's reply (already a hub Message) to the log; idempotent per hub message."""
    client_id = f"hub:{hub_message.pk}"
    earlier = ChatMessage.objects.filter(session=session, client_id=client_id).first()
    if earlier is not None:
        return earlier
    agent = hub_message.author_agent
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        locked.last_seq += 1
        if locked.ticket_id is None:
            locked.ticket_id = hub_message.ticket_id
        locked.save(update_fields=["last_seq", "ticket_id"])
        message = ChatMessage.objects.create(
            session=locked,
            seq=locked.last_seq,
            client_id=client_id,
            sender=Sender.AGENT,
            agent_name=(agent.user.first_name or agent.name) if agent else hub_message.sender,
            text=hub_message.text,
            hub_message_id=hub_message.pk,
        )
        push(
            session_group(locked),
            {"type": "chat.message", "session": str(locked.public_id), "message": message_view(message)},
        )
    return message


def messages_after(session: ChatSession, seq: int, limit: int = 500) -> list[ChatMessage]:
    return list(ChatMessage.objects.filter(session=session, seq__gt=seq).order_by("seq")[:limit])


def ticket_id_for(session: ChatSession) -> int | None:
    """The hub ticket of this conversation, once the pipeline has threaded its first message."""
    if session.ticket_id is None:
        found = (
            Message.objects.filter(channel="chat", thread_key=session.thread_key)
            .order_by("-created_at", "-id")
            .values_list("ticket_id", flat=True)
            .first()
        )
        if found is not None:
            ChatSession.objects.filter(pk=session.pk).update(ticket_id=found)
            session.ticket_id = found
    return session.ticket_id


def notify_agents(session: ChatSession, event: str, **data: Any) -> None:
    """Tell the agents following the ticket (typing, read): the hub consumer forwards hub events."""
    ticket_id = ticket_id_for(session)
    if ticket_id is None:
        return
    push(
        realtime.ticket_group(ticket_id),
        {"type": "hub.event", "event": event, "ticket_id": ticket_id, "version": 0, **data},
    )


def mark_read_by_visitor(session: ChatSession, seq: int) -> None:
    seq = min(max(seq, 0), session.last_seq)
    if ChatSession.objects.filter(pk=session.pk, visitor_read_seq__lt=seq).update(visitor_read_seq=seq):
        session.visitor_read_seq = seq
        notify_agents(session, "chat.read", seq=seq)


def mark_read_by_agent(session: ChatSession, seq: int) -> None:
    seq = min(max(seq, 0), ChatSession.objects.values_list("last_seq", flat=True).get(pk=session.pk))
    if ChatSession.objects.filter(pk=session.pk, agent_read_seq__lt=seq).update(agent_read_seq=seq):
        push(session_group(session), {"type": "chat.read", "by": "agent", "seq": seq})


def solved_awaiting_survey(session: ChatSession) -> bool:
    ticket_id = ticket_id_for(session)
    if ticket_id is None or SurveyResponse.objects.filter(session=session).exists():
        return False
    return Ticket.objects.filter(pk=ticket_id, status__in=(TicketStatus.SOLVED, TicketStatus.CLOSED)).exists()


def request_transcript(session: ChatSession) -> None:
    if not (session.verified_email or session.email):
        raise ChatError("email_missing")
    from channels_chat.tasks import send_transcript

    with transaction.atomic():
        ChatSession.objects.filter(pk=session.pk).update(
            transcript_requested_at=timezone.now(), transcript_sent_at=None
        )
        transaction.on_commit(lambda: send_transcript.delay(session.pk))


def answer_survey(session: ChatSession, *, rating: int, comment: str = "") -> SurveyResponse:
    """Store the CSAT answer on the ticket and end the conversation; a second answer is refused."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ChatError("invalid_rating")
    ticket_id = ticket_id_for(session)
    if ticket_id is None:
        raise ChatError("no_ticket")
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if SurveyResponse.objects.filter(session=locked).exists():
            raise ChatError("already_answered")
        response = SurveyResponse.objects.create(
            ticket_id=ticket_id, session=locked, rating=rating, comment=clean_text(comment).strip()[:2000]
        )
        locked.ended_at = timezone.now()
        locked.save(update_fields=["ended_at"])
        ticket = Ticket.objects.get(pk=ticket_id)
        from hub import events

        events.survey_answered(ticket=ticket, rating=rating, comment=response.comment, channel="chat")
        realtime.ticket_changed(ticket, "ticket.updated")
        push(session_group(locked), {"type": "chat.status", "status": "ended"})
    return response


def leave_offline_message(
    widget: Widget, visitor: Visitor, *, name: str, email: str, text: str, client_id: str, language: str = ""
) -> ChatMessage:
    """An offline message becomes a ticket that carries the visitor's email for replies by mail.

    The session ends with it: the conversation continues by email, and a later chat starts a
    new session (and ticket) instead of waiting for chat replies that will not come.
    """
    with transaction.atomic():
        session = current_session(widget, visitor)
        if session is None or not session.offline:
            session = ChatSession.objects.create(
                widget=widget, visitor_id=visitor.visitor_id, offline=True, language=language[:10]
            )
        save_contact(session, name=name, email=email)
        message, _created = post_visitor_message(session, client_id=client_id, text=text)
        ChatSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    return message
