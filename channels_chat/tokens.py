"""Signed visitor tokens and host identity verification (HMAC with the widget secret)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from channels_chat.models import ChatMessage, Widget

VISITOR_SALT = "channels_chat.visitor"
FILE_SALT = "channels_chat.file"
# A visitor keeps their token in the browser; a year without a visit starts a new visitor.
VISITOR_MAX_AGE = 365 * 24 * 3600


@dataclass(frozen=True)
class Visitor:
    widget_key: str
    visitor_id: str


def new_visitor_token(widget: Widget) -> tuple[str, Visitor]:
    visitor = Visitor(widget.key, secrets.token_urlsafe(18))
    return visitor_token(visitor), visitor


def visitor_token(visitor: Visitor) -> str:
    return signing.dumps({"w": visitor.widget_key, "v": visitor.visitor_id}, salt=VISITOR_SALT, compress=False)


def read_visitor_token(token: str, widget_key: str) -> Visitor | None:
    """The visitor a token names, if we signed it for this widget; None for anything else."""
    if not token or len(token) > 500:
        return None
    try:
        data = signing.loads(token, salt=VISITOR_SALT, max_age=VISITOR_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("w") != widget_key or not isinstance(data.get("v"), str):
        return None
    return Visitor(widget_key, data["v"])


def signed_value(user_id: str, email: str) -> str:
    """What the host signs for a visitor: the user id, the email, or both on two lines.

    Both are signed together or the email is not vouched for: a signature over the user id
    alone would otherwise let a visitor pose as any address beside their own, valid, id.
    """
    return f"{user_id}\n{email}" if user_id and email else user_id or email


def identity_hash(widget: Widget, value: str) -> str:
    """What the host's server computes: hex HMAC-SHA256 of ``signed_value`` with the secret."""
    return hmac.new(widget.secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def verify_identity(widget: Widget, value: str, signature: str) -> bool:
    if not value or not signature:
        return False
    return hmac.compare_digest(identity_hash(widget, value), signature.strip().lower())


class FileLinkExpired(Exception):
    """A file link we signed, older than ``CHAT_FILE_LINK_MAX_AGE_SECONDS``."""


def file_token(message: ChatMessage) -> str:
    """The signed part of a link to the message's file; it carries its time of signing."""
    return signing.dumps({"m": message.pk, "s": str(message.session.public_id)}, salt=FILE_SALT, compress=False)


def read_file_token(token: str) -> tuple[int, str] | None:
    """(message id, session id) of a link we signed, None for anything else.

    Raises ``FileLinkExpired`` for a genuine link that is too old: a link copied out of a chat
    must not open the file forever, and its holder deserves to be told why it no longer works.
    """
    try:
        data = signing.loads(token, salt=FILE_SALT, max_age=settings.CHAT_FILE_LINK_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise FileLinkExpired from None
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int) or not isinstance(data.get("s"), str):
        return None
    return data["m"], data["s"]
