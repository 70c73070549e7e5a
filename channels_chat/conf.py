"""The live chat's settings, from the environment, parsed as strictly as the hub's.

``hub.settings`` takes them in (``hub.config.app_settings``): read them as ``settings.NAME``.
Runs while Django's settings are being made, so it must not read them.
"""

from __future__ import annotations

from typing import Any

from hub.config import Env


def settings(env: Env) -> dict[str, Any]:
    return {
        # Messages a chat visitor may send per minute, and all visitors behind one IP address together.
        "CHAT_RATE_PER_VISITOR": env.int("CHAT_RATE_PER_VISITOR", default=30, min_value=1),
        "CHAT_RATE_PER_IP": env.int("CHAT_RATE_PER_IP", default=120, min_value=1),
        # Saves of the visitor's name and email (the pre-chat form) per visitor and minute.
        "CHAT_CONTACT_RATE_PER_VISITOR": env.int("CHAT_CONTACT_RATE_PER_VISITOR", default=5, min_value=1),
        # New chat sessions (and offline messages) per IP address and minute.
        "CHAT_SESSIONS_PER_IP": env.int("CHAT_SESSIONS_PER_IP", default=20, min_value=1),
        # How long a link to a chat attachment works; the widget and the agents' pane get fresh
        # links each time they load the conversation.
        "CHAT_FILE_LINK_MAX_AGE_SECONDS": env.int("CHAT_FILE_LINK_MAX_AGE_SECONDS", default=24 * 3600, min_value=60),
        "CHAT_MAX_TEXT": env.int("CHAT_MAX_TEXT", default=5000, min_value=100),
        # Open chats an agent takes at once when their profile sets no capacity["chat"] (hub.routing).
        "CHAT_DEFAULT_CAPACITY": env.int("CHAT_DEFAULT_CAPACITY", default=3, min_value=0),
        "CHAT_MAX_ATTACHMENT_BYTES": env.int("CHAT_MAX_ATTACHMENT_BYTES", default=10 * 1024 * 1024, min_value=1),
        "CHAT_ATTACHMENT_TYPES": env.list(
            "CHAT_ATTACHMENT_TYPES",
            default=["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"],
        ),
    }
