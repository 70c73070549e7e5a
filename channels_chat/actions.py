"""The only functions that change chat state. Consumers and the widget API call these.

A visitor's message is written to the session's log under a row lock on the session, which
gives it the next sequence number, together with its durable inbound receipt for the hub
pipeline, in one statement (``inbound``): the visitor's ack means both exist. An agent's reply
goes on the log inside the transaction that stores it as a hub Message (``outbound``). What
changes the hub (replies, survey answers, transcripts) goes through ``hub.actions``. Pushes to
the visitor's browser tabs and the agents' panes go out after commit.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from channels_chat import inbound
from channels_chat.adapter import KEY
from channels_chat.models import ChatMessage, ChatSession, Sender, SurveyResponse, Widget
from channels_chat.serialize import message_view
from channels_chat.tokens import Visitor
from hub import realtime
from hub.access import can_change_ticket
from hub.actions import ChannelUnavailable, ReplyNotAllowed, do_record_survey, do_reply
from hub.identity import InvalidIdentity, typed_email
from hub.models import Account, Agent, Message, Ticket, TicketStatus
from hub.models.account import SurveyScale
from hub.text import clean_text

log = logging.getLogger(__name__)


class ChatError(ValueError):
    """A visitor request we refuse; ``code`` is what the widget shows (translated there)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


def session_group(session: ChatSession | str) -> str:
    """The channel-layer group of a session's sockets (the visitor's tabs, the agents' panes).

    ``session``: the session, or its public id as text (what a one-statement append returns).
    """
    public_id = session.public_id if isinstance(session, ChatSession) else session
    return f"chat.session.{public_id}"


def push(group: str, payload: dict[str, Any]) -> None:
    """Send to a channel-layer group once the current transaction has committed."""
    realtime.send_on_commit([group], payload)


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
    timezone_name: str = "",
    verified_email: str = "",
    verified_user_id: str = "",
) -> ChatSession:
    """The visitor's current conversation on this widget, started if there is none."""
    session = current_session(widget, visitor)
    if session is None:
        session = ChatSession.objects.create(
            widget=widget,
            visitor_id=visitor.visitor_id,
            offline=offline,
            language=language[:10],
            time_zone=timezone_name[:64],
        )
    changed = []
    # A session another way in opened first (the pre-chat form of an older widget) learns them now.
    if timezone_name and not session.time_zone:
        session.time_zone = timezone_name[:64]
        changed.append("time_zone")
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
            email = typed_email(email)
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


def post_visitor_message(
    session: ChatSession, *, client_id: str, text: str, upload: UploadedFile | None = None, publish: bool = True
) -> tuple[ChatMessage, bool]:
    """Append the visitor's message to the log and hand it to the pipeline; idempotent per client id.

    Returns the message and whether it is new. The same client id again returns the first
    message with its original sequence, so a client resending after a lost ack sees one message.
    The message, its sequence number and its inbound receipt are one statement (``inbound``).
    ``publish=False`` leaves the push to the session's group to the caller (the websocket
    consumer sends it from its own event loop); it is due only for a new message.
    """
    client_id = client_id.strip()[:64]
    text = clean_text(text).strip()
    if not client_id:
        raise ChatError("client_id_missing")
    if not text and upload is None:
        raise ChatError("empty")
    if len(text) > settings.CHAT_MAX_TEXT:
        raise ChatError("too_long")
    _check_upload(upload)
    now = timezone.now()
    message = ChatMessage(session=session, client_id=client_id, sender=Sender.VISITOR, text=text, created_at=now)
    if upload is not None:
        message.filename = clean_text(upload.name or "")[:255] or "attachment"
        message.content_type = (upload.content_type or "").split(";")[0].strip().lower()
        message.size = upload.size or 0
        message.file.save(message.filename, upload, save=False)
    attachment = (
        {"path": message.file.name, "filename": message.filename, "content_type": message.content_type}
        if message.file
        else None
    )
    try:
        # Inside a caller's transaction (an offline message) a savepoint keeps it usable.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            appended = inbound.receive_message(message, session.pk, sent_at=now, attachment=attachment)
    except IntegrityError:
        appended = None  # the same client id from another tab or connection won the race
    if appended is None:
        earlier = ChatMessage.objects.filter(session=session, client_id=client_id).first()
        if earlier is not None:
            return earlier, False
        raise ChatError("ended")
    message.pk, message.seq = appended.pk, appended.seq
    message._state.adding = False
    session.last_seq = message.seq
    if publish:
        push(session_group(session), message_event(session, message))
    return message, True


def message_event(session: ChatSession, message: ChatMessage) -> dict[str, Any]:
    """The group event for a new message on the log: the agents' panes tell chats apart by session."""
    return {"type": "chat.message", "session": str(session.public_id), "message": message_view(message)}


def reply_from_pane(agent: Agent, ticket_id: int, *, text: str, client_id: str | None) -> Message | None:
    """An agent's reply from the chat pane: a hub Message delivered to the chat, or None.

    None if the agent may not change the ticket (a viewer), or it has no chat that takes replies (the pane
    closes it). ``do_reply`` locks the ticket, checks access on the locked row (the agent's teams
    in memory), stores the reply and puts it on the chat's log in one transaction (the chat is a
    local channel). Idempotent per ``client_id`` as ``do_reply``.
    """
    # The row is read once, under the reply's lock, and checked there: a separate read for the
    # check cost a statement on the chat's hottest agent path.
    try:
        return do_reply(
            Ticket(pk=ticket_id),
            agent=agent,
            text=text,
            channel=KEY,
            client_id=client_id,
            allowed=lambda locked: can_change_ticket(agent, locked),
        )
    except (ChannelUnavailable, ReplyNotAllowed, Ticket.DoesNotExist):
        return None


def messages_after(session: ChatSession, seq: int, limit: int = 500) -> list[ChatMessage]:
    return list(ChatMessage.objects.filter(session=session, seq__gt=seq).order_by("seq")[:limit])


def ticket_id_for(session: ChatSession) -> int | None:
    """The hub ticket of this conversation, once the pipeline has threaded its first message."""
    if session.ticket_id is None:
        found = (
            Message.objects.filter(channel=KEY, thread_key=session.thread_key)
            .order_by("-created_at", "-id")
            .values_list("ticket_id", flat=True)
            .first()
        )
        if found is not None:
            ChatSession.objects.filter(pk=session.pk).update(ticket_id=found)
            session.ticket_id = found
    return session.ticket_id


def notify_agents(session: ChatSession, event: str, **data: Any) -> None:
    """Tell the agents following the ticket (typing, read); nobody before the ticket exists."""
    ticket_id = ticket_id_for(session)
    if ticket_id is not None:
        realtime.ticket_signal(ticket_id, event, **data)


def mark_read_by_visitor(session: ChatSession, seq: int) -> None:
    # Checked against the stored last_seq, not the consumer's copy: that one is stale as soon as
    # an agent has answered, and a read of the answer would be lost. A seq beyond the log is
    # nothing the visitor can have seen, so it is ignored.
    seq = max(seq, 0)
    if ChatSession.objects.filter(pk=session.pk, visitor_read_seq__lt=seq, last_seq__gte=seq).update(
        visitor_read_seq=seq
    ):
        session.visitor_read_seq = seq
        notify_agents(session, "chat.read", seq=seq)


def mark_read_by_agent(session: ChatSession, seq: int) -> None:
    seq = min(max(seq, 0), ChatSession.objects.values_list("last_seq", flat=True).get(pk=session.pk))
    if ChatSession.objects.filter(pk=session.pk, agent_read_seq__lt=seq).update(agent_read_seq=seq):
        push(session_group(session), {"type": "chat.read", "by": "agent", "seq": seq})


def solved_awaiting_survey(session: ChatSession) -> str | None:
    """The question the widget asks now (the account's survey scale, ``"csat"`` or ``"nps"``) when
    the chat's ticket is solved and its visitor has not answered; None otherwise."""
    ticket_id = ticket_id_for(session)
    if ticket_id is None or SurveyResponse.objects.filter(session=session).exists() or not _solved(ticket_id):
        return None
    return str(Account.current().survey_scale)


def _solved(ticket_id: int) -> bool:
    return Ticket.objects.filter(pk=ticket_id, status__in=(TicketStatus.SOLVED, TicketStatus.CLOSED)).exists()


def answered(session: ChatSession) -> bool:
    return session.messages.filter(sender=Sender.AGENT).exists()


def request_transcript(session: ChatSession) -> None:
    """Queue the transcript mail. To an address the visitor only typed, once someone has answered:
    before that it would carry nothing but their own words, and anyone could have the company
    mail any text to any address. An address the host vouched for gets it at any time."""
    if not (session.verified_email or session.email):
        raise ChatError("email_missing")
    if not session.verified_email and not answered(session):
        raise ChatError("transcript_needs_answer")
    from channels_chat.tasks import send_transcript

    with transaction.atomic():
        ChatSession.objects.filter(pk=session.pk).update(
            transcript_requested_at=timezone.now(), transcript_sent_at=None
        )
        transaction.on_commit(lambda: send_transcript.delay(session.pk))


def answer_survey(
    session: ChatSession, *, rating: int, comment: str = "", scale: str = SurveyScale.CSAT
) -> SurveyResponse:
    """Store the answer on the ticket and end the conversation; a second answer is refused.

    ``scale`` is the question the widget showed (``solved_awaiting_survey``): 1–5 for CSAT, 0–10
    for NPS. A widget from before NPS sends none, and asked 1–5 stars; NPS is taken only while the
    account asks it, so a visitor cannot put a recommendation into a CSAT account's reports. Only
    a solved (or closed) chat is rated, as only then does the widget ask. One answer per session,
    checked under the session's row lock; the ticket's timeline and the agents hear of it through
    ``hub.actions.do_record_survey`` in the same transaction.
    """
    nps = scale == SurveyScale.NPS
    if scale not in SurveyScale.values or (nps and Account.current().survey_scale != SurveyScale.NPS):
        raise ChatError("invalid_rating")
    if not isinstance(rating, int) or isinstance(rating, bool) or rating not in SurveyScale(scale).ratings:
        raise ChatError("invalid_rating")
    ticket_id = ticket_id_for(session)
    if ticket_id is None:
        raise ChatError("no_ticket")
    if not _solved(ticket_id):
        raise ChatError("not_solved")
    with transaction.atomic():
        locked = ChatSession.objects.select_for_update().get(pk=session.pk)
        if SurveyResponse.objects.filter(session=locked).exists():
            raise ChatError("already_answered")
        response = SurveyResponse.objects.create(
            ticket_id=ticket_id,
            session=locked,
            scale=scale,
            rating=rating,
            comment=clean_text(comment).strip()[:2000],
        )
        locked.ended_at = timezone.now()
        locked.save(update_fields=["ended_at"])
        do_record_survey(ticket_id=ticket_id, rating=rating, comment=response.comment, channel=KEY, nps=nps)
        push(session_group(locked), {"type": "chat.status", "status": "ended"})
    return response


def leave_offline_message(
    widget: Widget,
    visitor: Visitor,
    *,
    name: str,
    email: str,
    text: str,
    client_id: str,
    language: str = "",
    timezone_name: str = "",
) -> ChatMessage:
    """An offline message becomes a ticket that carries the visitor's email for replies by mail.

    The session ends with it: the conversation continues by email, and a later chat starts a
    new session (and ticket) instead of waiting for chat replies that will not come.
    """
    with transaction.atomic():
        session = current_session(widget, visitor)
        if session is None or not session.offline:
            session = ChatSession.objects.create(
                widget=widget,
                visitor_id=visitor.visitor_id,
                offline=True,
                language=language[:10],
                time_zone=timezone_name[:64],
            )
        save_contact(session, name=name, email=email)
        message, _created = post_visitor_message(session, client_id=client_id, text=text)
        ChatSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    return message
