"""What a visitor's browser receives: only their own conversation, as plain data.

Text is sent as typed and the widget renders it as text (never as HTML), so nothing a visitor
or agent writes can become markup.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from channels_chat.models import ChatMessage, ChatSession
from channels_chat.tokens import file_token


def message_view(message: ChatMessage) -> dict[str, Any]:
    """One message as the widget and the agents' pane show it.

    An attachment's link is signed here, each time a conversation is loaded (resume, poll,
    the pane's history) or a message pushed: links expire (``CHAT_FILE_LINK_MAX_AGE_SECONDS``),
    so a view of the conversation must never be served from a copy made earlier.
    """
    data: dict[str, Any] = {
        "type": "message",
        "seq": message.seq,
        "client_id": message.client_id,
        "from": message.sender,
        "text": message.text,
        "at": message.created_at.isoformat(),
        "agent": {"name": message.agent_name, "avatar": message.agent_avatar} if message.agent_name else None,
        "attachment": None,
    }
    if message.file:
        data["attachment"] = {
            "name": message.filename,
            "type": message.content_type,
            "size": message.size,
            "url": reverse("chat-file", args=[file_token(message)]),
        }
    return data


def session_view(session: ChatSession) -> dict[str, Any]:
    return {
        "session": str(session.public_id),
        "last_seq": session.last_seq,
        "agent_read_seq": session.agent_read_seq,
        "offline": session.offline,
        "name": session.name,
        "email": session.verified_email or session.email,
    }
