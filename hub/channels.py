"""The channel adapter contract and registry: the only way the hub reaches a channel.

Each channel app registers its adapter in ``AppConfig.ready()``. The hub never imports a
channel app; it looks adapters up here by key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from hub.models import InboundEvent, Message


@dataclass(frozen=True)
class SenderIdentity:
    kind: str  # an IdentityKind value: email, phone, chat, external
    value: str  # raw; the hub normalizes it
    verified: bool = False
    # Whether this identity may attach the interaction to an existing customer. Adapters set
    # False for claims nobody checked (an email typed into a chat pre-form): such a claim never
    # joins someone else's customer record.
    joinable: bool = True


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str = ""


@dataclass(frozen=True)
class ThreadHints:
    """What the channel knows about which conversation this belongs to."""

    message_ids: tuple[str, ...] = ()  # In-Reply-To and References, most recent first
    ticket_id: int | None = None  # a ticket token (subject, widget session, form hidden field)
    session: str = ""  # a chat session, a call SID
    # Threading is bounded by time for channels whose "conversation" has no explicit id (SMS).
    reopen_within_days: int | None = None


@dataclass(frozen=True)
class Interaction:
    """The normalized form of one inbound interaction, whatever channel it came from."""

    channel: str
    identities: tuple[SenderIdentity, ...]
    text: str
    display_name: str = ""
    subject: str = ""
    html: str = ""  # already sanitized by the adapter
    quoted_text: str = ""
    attachments: tuple[InboundAttachment, ...] = ()
    thread: ThreadHints = field(default_factory=ThreadHints)
    external_id: str = ""  # the provider's message id; stored on the Message
    kind: str = "message"  # a MessageKind value; calls are "call"
    team_hint: str = ""  # a team slug the channel was configured with (mailbox, widget, form)
    language: str = ""
    # Automatic mail (auto-reply, bounce): stored, never answered automatically.
    automatic: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    received_at: datetime | None = None


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    external_id: str = ""
    error: str = ""
    # False for errors that no retry will fix (an invalid address, a closed chat).
    retryable: bool = True


class ChannelAdapter(Protocol):
    key: str

    def normalize(self, event: InboundEvent) -> Interaction: ...

    def send(self, message: Message) -> DeliveryResult: ...

    def can_reply(self, ticket_id: int) -> tuple[bool, str]:
        """Whether an agent can answer this ticket on this channel now, and if not, why."""
        ...


class UnknownChannel(LookupError):
    pass


_registry: dict[str, ChannelAdapter] = {}


def register(adapter: ChannelAdapter) -> None:
    _registry[adapter.key] = adapter


def unregister(key: str) -> None:
    _registry.pop(key, None)


def get_adapter(key: str) -> ChannelAdapter:
    try:
        return _registry[key]
    except KeyError:
        raise UnknownChannel(
            f"No adapter is registered for channel {key!r}; registered: {sorted(_registry)}."
        ) from None


def registered() -> list[str]:
    return sorted(_registry)
