"""Appending to a session's log in one SQL statement: the chat's hot path.

A message on the log needs the session's next sequence number, taken under the session's row
lock. Done with the ORM that is a transaction of five to seven round trips (BEGIN, SELECT …
FOR UPDATE, UPDATE, INSERT, the inbound receipt in a savepoint, COMMIT); at a hundred
messages a second on two cores those round trips and their Python were most of the cost of
a message. Here a data-modifying CTE does it in one statement: the UPDATE that takes the
lock and the number, the INSERT of the message and (for a visitor) of the durable
InboundEvent. Outside a transaction it commits on its own; inside one it is part of it.

The INSERTs are built from the models' fields (``_insert``), so a column added later gets its
model default here as everywhere else; only the values that come from the session row are
SQL. The statement is PostgreSQL's; other databases (SQLite, the embedded mode) take the same
steps with the ORM in a transaction (``one_statement=False``).
"""

# ruff: noqa: S608 - the SQL is put together from quoted table and column names of our models;
# every value is a parameter.
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction

from channels_chat.models import ChatMessage, ChatSession, Widget
from hub.models import InboundEvent, Message, Team


@dataclass(frozen=True)
class Appended:
    pk: int
    seq: int
    public_id: str


SQL = tuple[str, list[Any]]


def _insert(obj: models.Model, source: str, computed: dict[str, SQL]) -> SQL:
    """``INSERT INTO <table> (…) SELECT … FROM <source>``: ``obj``'s values, ``computed`` as SQL."""
    meta = obj._meta
    columns: list[str] = []
    values: list[str] = []
    params: list[Any] = []
    for field in meta.concrete_fields:
        if field.primary_key and field.attname not in computed:
            continue
        columns.append(connection.ops.quote_name(str(field.column)))
        if field.attname in computed:
            sql, sql_params = computed[field.attname]
            values.append(sql)
            params += sql_params
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(obj, add=True), connection))
    table = connection.ops.quote_name(meta.db_table)
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}", params


# The session's id and the sequence number the UPDATE took, for the message's INSERT.
NUMBERED: dict[str, SQL] = {"session_id": ("s.id", []), "seq": ("s.last_seq", [])}


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _one_statement(wanted: bool | None) -> bool:
    return connection.vendor == "postgresql" if wanted is None else wanted


def visitor_message(
    message: ChatMessage, session_id: int, event: InboundEvent, *, one_statement: bool | None = None
) -> Appended | None:
    """Number and insert a visitor's ``message`` and its inbound ``event``; None if not appended.

    Not appended when the session has ended (or is gone) or already holds the message's client
    id; the caller tells which. ``event.payload`` is completed from the locked session row (its
    contact fields, widget and team as they are now) and the message's id and sequence.
    Two tabs sending one client id at once: the second INSERT violates the unique constraint
    and the statement (sequence included) is undone with an IntegrityError.
    """
    if not _one_statement(one_statement):
        return _visitor_message_orm(message, session_id, event)
    session_row = f"""
        UPDATE {_table(ChatSession)} AS s SET last_seq = s.last_seq + 1
        WHERE s.id = %s AND s.ended_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM {_table(ChatMessage)} WHERE session_id = %s AND client_id = %s)
        RETURNING s.id, s.last_seq, s.public_id, s.visitor_id, s.name, s.email, s.verified_email,
                  s.verified_user_id, s.offline, s.language, s.widget_id"""
    insert_message, message_params = _insert(message, "s", NUMBERED)
    payload = """%s::jsonb || jsonb_build_object(
        'widget', w.key, 'team', coalesce(t.slug, ''), 'session', s.public_id::text,
        'visitor', s.visitor_id, 'chat_message', m.id, 'seq', m.seq, 'name', s.name, 'email', s.email,
        'verified_email', s.verified_email, 'verified_user_id', s.verified_user_id,
        'offline', s.offline, 'language', s.language)"""
    external_id = "left(w.key || ':' || s.public_id::text || ':' || m.client_id, 998)"
    payload_field = InboundEvent._meta.get_field("payload")
    base = payload_field.get_db_prep_save(event.payload, connection)
    insert_event, event_params = _insert(
        event,
        f"s JOIN m ON true JOIN {_table(Widget)} AS w ON w.id = s.widget_id LEFT JOIN {_table(Team)} AS t"
        " ON t.id = w.team_id",
        {"external_id": (external_id, []), "payload": (payload, [base])},
    )
    sql = f"""
        WITH s AS ({session_row}),
             m AS ({insert_message} RETURNING id, seq, client_id),
             e AS ({insert_event} ON CONFLICT DO NOTHING RETURNING id)
        SELECT m.id, m.seq, s.public_id::text FROM m JOIN s ON true"""
    params = [
        session_id,
        session_id,
        message.client_id,
        *message_params,
        *event_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return Appended(*row) if row else None


def agent_message(message: ChatMessage, ticket_id: int, *, one_statement: bool | None = None) -> Appended | None:
    """Number and insert an agent's ``message`` on the chat of ``ticket_id``; None if it cannot take one.

    The chat is the session of the ticket's latest chat message (as ``ChatAdapter`` finds it);
    it takes no agent message while offline or after it ended. Learns the session its ticket.
    """
    if not _one_statement(one_statement):
        return _agent_message_orm(message, ticket_id)
    latest_session = f"""
        SELECT thread_key::uuid FROM {_table(Message)}
        WHERE ticket_id = %s AND channel = 'chat' AND thread_key <> ''
        ORDER BY created_at DESC, id DESC LIMIT 1"""
    session_row = f"""
        UPDATE {_table(ChatSession)} AS s
        SET last_seq = s.last_seq + 1, ticket_id = coalesce(s.ticket_id, %s)
        WHERE s.public_id = ({latest_session}) AND NOT s.offline AND s.ended_at IS NULL
        RETURNING s.id, s.last_seq, s.public_id"""
    insert_message, message_params = _insert(message, "s", NUMBERED)
    sql = f"""
        WITH s AS ({session_row}), m AS ({insert_message} RETURNING id, seq)
        SELECT m.id, m.seq, s.public_id::text FROM m JOIN s ON true"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [ticket_id, ticket_id, *message_params])
        row = cursor.fetchone()
    return Appended(*row) if row else None


# The same with the ORM, for databases without data-modifying CTEs -----------------------------


def _visitor_message_orm(message: ChatMessage, session_id: int, event: InboundEvent) -> Appended | None:
    with transaction.atomic():
        session = (
            ChatSession.objects.select_for_update(of=("self",))
            .select_related("widget__team")
            .filter(pk=session_id, ended_at__isnull=True)
            .first()
        )
        if session is None or ChatMessage.objects.filter(session=session, client_id=message.client_id).exists():
            return None
        message.session, message.seq = session, _next_seq(session)
        message.save()
        widget = session.widget
        event.external_id = f"{widget.key}:{session.public_id}:{message.client_id}"[:998]
        event.payload = event.payload | {
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
        }
        InboundEvent.objects.bulk_create([event], ignore_conflicts=True)
    return Appended(message.pk, message.seq, str(session.public_id))


def _agent_message_orm(message: ChatMessage, ticket_id: int) -> Appended | None:
    key = (
        Message.objects.filter(ticket_id=ticket_id, channel="chat")
        .exclude(thread_key="")
        .order_by("-created_at", "-id")
        .values_list("thread_key", flat=True)
        .first()
    )
    if not key:
        return None
    with transaction.atomic():
        session = (
            ChatSession.objects.select_for_update().filter(public_id=key, offline=False, ended_at__isnull=True).first()
        )
        if session is None:
            return None
        if session.ticket_id is None:
            session.ticket_id = ticket_id
        message.session, message.seq = session, _next_seq(session, "ticket_id")
        message.save()
    return Appended(message.pk, message.seq, str(session.public_id))


def _next_seq(session: ChatSession, *also: str) -> int:
    session.last_seq += 1
    session.save(update_fields=["last_seq", *also])
    return session.last_seq
