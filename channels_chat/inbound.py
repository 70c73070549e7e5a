"""A visitor's message into the hub: on the session's log and received by the pipeline, at once.

The only caller of ``hub.pipeline.receive`` in the chat. The message, its sequence number and
the durable inbound receipt go in together (one statement on PostgreSQL, ``append``): the
visitor's ack means both exist. The pipeline makes the hub Message later, off the latency path.
"""

# ruff: noqa: S608 - the SQL is put together from quoted table and column names of our models;
# every value is a parameter.
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction

from channels_chat import append
from channels_chat.adapter import KEY
from channels_chat.models import ChatMessage, ChatSession, Widget
from hub import sql
from hub.models import InboundEvent, Team
from hub.pipeline.receive import EXTERNAL_ID_LENGTH, process_after_commit, receipt_sql, store_receipt


def receive_message(
    message: ChatMessage, session_id: int, *, sent_at: datetime, attachment: dict[str, Any] | None
) -> append.Appended | None:
    """Append a visitor's ``message`` with its inbound receipt, processed after commit; None if not appended.

    Not appended when the session has ended (or is gone) or already holds the message's client
    id; the caller tells which. Two tabs sending one client id at once: the second raises
    IntegrityError and nothing of it stays (sequence number included).
    """
    event = InboundEvent(
        channel=KEY,
        payload={"text": message.text, "sent_at": sent_at.isoformat(), "attachment": attachment},
        received_at=sent_at,
    )
    appended = visitor_message(message, session_id, event)
    if appended is not None:
        process_after_commit()
    return appended


def visitor_message(
    message: ChatMessage, session_id: int, event: InboundEvent, *, one_statement: bool | None = None
) -> append.Appended | None:
    """Number and insert a visitor's ``message`` and its inbound ``event``; None if not appended.

    ``event.payload`` is completed from the locked session row (its contact fields, widget and
    team as they are now) and the message's id and sequence. Queues no processing
    (``receive_message`` does).
    """
    if not append.use_one_statement(one_statement):
        return _visitor_message_orm(message, session_id, event)
    session_row = f"""
        UPDATE {sql.table(ChatSession)} AS s SET last_seq = s.last_seq + 1
        WHERE s.id = %s AND s.ended_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM {sql.table(ChatMessage)} WHERE session_id = %s AND client_id = %s)
        RETURNING s.id, s.last_seq, s.public_id, s.visitor_id, s.name, s.email, s.verified_email,
                  s.verified_user_id, s.offline, s.language, s.time_zone, s.widget_id"""
    insert_message, message_params = sql.insert_select(message, "s", append.NUMBERED)
    payload = """%s::jsonb || jsonb_build_object(
        'widget', w.key, 'team', coalesce(t.slug, ''), 'session', s.public_id::text,
        'visitor', s.visitor_id, 'chat_message', m.id, 'seq', m.seq, 'name', s.name, 'email', s.email,
        'verified_email', s.verified_email, 'verified_user_id', s.verified_user_id,
        'offline', s.offline, 'language', s.language, 'timezone', s.time_zone)"""
    external_id = f"left(w.key || ':' || s.public_id::text || ':' || m.client_id, {EXTERNAL_ID_LENGTH})"
    payload_field = InboundEvent._meta.get_field("payload")
    base = payload_field.get_db_prep_save(event.payload, connection)
    insert_event, event_params = receipt_sql(
        event,
        f"s JOIN m ON true JOIN {sql.table(Widget)} AS w ON w.id = s.widget_id"
        f" LEFT JOIN {sql.table(Team)} AS t ON t.id = w.team_id",
        {"external_id": (external_id, []), "payload": (payload, [base])},
    )
    statement = f"""
        WITH s AS ({session_row}),
             m AS ({insert_message} RETURNING id, seq, client_id),
             e AS ({insert_event})
        SELECT m.id, m.seq, s.public_id::text FROM m JOIN s ON true"""
    params = [session_id, session_id, message.client_id, *message_params, *event_params]
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        row = cursor.fetchone()
    return append.Appended(*row) if row else None


def _visitor_message_orm(message: ChatMessage, session_id: int, event: InboundEvent) -> append.Appended | None:
    with transaction.atomic():
        session = (
            ChatSession.objects.select_for_update(of=("self",))
            .select_related("widget__team")
            .filter(pk=session_id, ended_at__isnull=True)
            .first()
        )
        if session is None or ChatMessage.objects.filter(session=session, client_id=message.client_id).exists():
            return None
        message.session, message.seq = session, append.next_seq(session)
        message.save()
        widget = session.widget
        event.external_id = f"{widget.key}:{session.public_id}:{message.client_id}"
        event.payload = event.payload | payload_of(session, widget, message)
        store_receipt(event)
    return append.Appended(message.pk, message.seq, str(session.public_id))


def payload_of(session: ChatSession, widget: Widget, message: ChatMessage) -> dict[str, Any]:
    """What the one statement adds to the receipt's payload from the session's row, in Python."""
    return {
        "widget": widget.key,
        "team": widget.team.slug if widget.team else "",
        "session": str(session.public_id),
        "visitor": session.visitor_id,
        "chat_message": message.pk,
        "seq": message.seq,
        "name": session.name,
        "email": session.email,
        "verified_email": session.verified_email,
        "verified_user_id": session.verified_user_id,
        "offline": session.offline,
        "language": session.language,
        "timezone": session.time_zone,
    }
