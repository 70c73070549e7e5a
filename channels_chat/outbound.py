"""Agent replies onto the visitor's log: the chat's delivery (``ChatAdapter.send``, ``send_in_transaction``).

A reply is numbered on the session's log like a visitor's message (``append``), in one
statement on PostgreSQL, and pushed to the session's group after commit.
"""

# ruff: noqa: S608 - the SQL is put together from quoted table and column names of our models;
# every value is a parameter.
from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from channels_chat import append
from channels_chat.actions import push, session_group
from channels_chat.adapter import latest_chat_id, latest_chat_key
from channels_chat.models import ChatMessage, ChatSession, Sender
from channels_chat.serialize import message_view
from hub import sql
from hub.models import Message


def post_agent_message(session: ChatSession, hub_message: Message) -> ChatMessage | None:
    """Append an agent's reply (already a hub Message) to the log; idempotent per hub message.

    For a reply delivered later (the delivery task); ``append_reply`` does it inside the
    reply's own transaction. None if the chat takes no reply now.
    """
    earlier = ChatMessage.objects.filter(session=session, client_id=f"hub:{hub_message.pk}").first()
    return earlier if earlier is not None else append_reply(hub_message)


def append_reply(hub_message: Message) -> ChatMessage | None:
    """Put an agent's reply on the log of its ticket's chat and push it after commit.

    None if the chat takes no reply (offline, ended, none). One statement (``agent_message``)
    a line; each file of the reply is a line of its own after the text, as the widget shows a
    visitor's files (the first file goes with the text if there is none).
    """
    agent = hub_message.author_agent
    files = list(hub_message.attachments.all())
    first: ChatMessage | None = None
    lines = [None, *files] if hub_message.text or not files else files
    for n, attachment in enumerate(lines):
        message = ChatMessage(
            client_id=f"hub:{hub_message.pk}" if n == 0 else f"hub:{hub_message.pk}:{n}",
            sender=Sender.AGENT,
            agent_name=(agent.user.first_name or agent.name) if agent else hub_message.sender,
            text=hub_message.text if n == 0 else "",
            hub_message_id=hub_message.pk,
            created_at=timezone.now(),
        )
        if attachment is not None:
            # The hub's stored file, shared: the chat's link serves it to the visitor.
            message.file = attachment.file.name
            message.filename, message.content_type, message.size = (
                attachment.filename,
                attachment.content_type,
                attachment.size,
            )
        appended = agent_message(message, hub_message.ticket_id)
        if appended is None:
            return None
        message.pk, message.seq = appended.pk, appended.seq
        message._state.adding = False
        if attachment is not None:
            message.session = ChatSession.objects.get(public_id=appended.public_id)
        push(
            session_group(appended.public_id),
            {"type": "chat.message", "session": appended.public_id, "message": message_view(message)},
        )
        first = first or message
    return first


def agent_message(message: ChatMessage, ticket_id: int, *, one_statement: bool | None = None) -> append.Appended | None:
    """Number and insert an agent's ``message`` on the chat of ``ticket_id``; None if it cannot take one.

    The chat is the session of the ticket's latest chat message (``adapter.latest_chat_key``);
    it takes no agent message while offline or after it ended. Learns the session its ticket.
    """
    if not append.use_one_statement(one_statement):
        return _agent_message_orm(message, ticket_id)
    latest, latest_params = latest_chat_key(ticket_id)
    session_row = f"""
        UPDATE {sql.table(ChatSession)} AS s
        SET last_seq = s.last_seq + 1, ticket_id = coalesce(s.ticket_id, %s)
        WHERE s.public_id = ({latest})::uuid AND NOT s.offline AND s.ended_at IS NULL
        RETURNING s.id, s.last_seq, s.public_id"""
    insert_message, message_params = sql.insert_select(message, "s", append.NUMBERED)
    statement = f"""
        WITH s AS ({session_row}), m AS ({insert_message} RETURNING id, seq)
        SELECT m.id, m.seq, s.public_id::text FROM m JOIN s ON true"""
    with connection.cursor() as cursor:
        cursor.execute(statement, [ticket_id, *latest_params, *message_params])
        row = cursor.fetchone()
    return append.Appended(*row) if row else None


def _agent_message_orm(message: ChatMessage, ticket_id: int) -> append.Appended | None:
    key = latest_chat_id(ticket_id)
    if key is None:
        return None
    with transaction.atomic():
        session = (
            ChatSession.objects.select_for_update().filter(public_id=key, offline=False, ended_at__isnull=True).first()
        )
        if session is None:
            return None
        if session.ticket_id is None:
            session.ticket_id = ticket_id
        message.session, message.seq = session, append.next_seq(session, "ticket_id")
        message.save()
    return append.Appended(message.pk, message.seq, str(session.public_id))
