"""The channel adapter contract and registry: the only way the hub reaches a channel.

Each channel app registers its adapter in ``AppConfig.ready()``. The hub never imports a
channel app; it looks adapters up here by key.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import IO, TYPE_CHECKING, Any, Protocol

from hub.text import clean_text

if TYPE_CHECKING:
    from hub.models import InboundEvent, Message


@cache
def _zones() -> frozenset[str]:
    """The IANA time zones this machine knows (read from disk once per process)."""
    return frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True)
class SenderIdentity:
    kind: str  # an IdentityKind value: email, phone, chat, external
    value: str  # raw; the hub normalizes it
    verified: bool = False
    # Whether this identity may attach the interaction to an existing customer. Adapters set
    # False for claims nobody checked (an email typed into a chat pre-form): such a claim never
    # joins someone else's customer record.
    joinable: bool = True
    # Whether the hub keeps the identity for the customer the interaction lands on. False for one
    # the sender failed to prove (a mail that fails its domain's check): kept, the address's
    # genuine owner writing next would join whoever faked it. A claim nobody checked (the chat
    # pre-form's email) is kept, non-joinable, so an agent can still answer by mail.
    recorded: bool = True


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str = ""
    # A big file the channel wrote to disk rather than memory (a mail's 20 MB attachment): a
    # temporary file holding all of it, ``content`` then empty. The pipeline streams it into
    # storage; the file goes when it is closed or collected.
    spooled: IO[bytes] | None = None

    @property
    def size(self) -> int:
        if self.spooled is None:
            return len(self.content)
        self.spooled.seek(0, 2)
        return self.spooled.tell()


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
    # The customer's IANA time zone when the channel knows it (a chat visitor's browser); one
    # that is none is dropped here. A new customer takes it, so agents see their local time.
    timezone: str = ""
    # Automatic mail (auto-reply, bounce): stored, never answered automatically.
    automatic: str = ""
    # Whether the customer waits for a live agent now (a chat with someone online, a call):
    # routing gives such interactions to an agent with room on this channel at once.
    wants_agent: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    received_at: datetime | None = None

    def __post_init__(self) -> None:
        # Names and subjects reach customers' records, the inbox and the timeline from every
        # channel: control characters and bidi overrides are dropped once, here, for all.
        object.__setattr__(self, "display_name", clean_text(self.display_name))
        object.__setattr__(self, "subject", clean_text(self.subject))
        if self.timezone and self.timezone not in _zones():
            object.__setattr__(self, "timezone", "")


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    external_id: str = ""
    error: str = ""
    # False for errors that no retry will fix (an invalid address, a closed chat).
    retryable: bool = True


@dataclass(frozen=True)
class Capabilities:
    """What varies by channel, declared once by its adapter and read by the hub (never a string test).

    ``local_delivery``: a reply is a write to our own database (the chat log), delivered inside
    the transaction that stores it (``ChannelAdapter.send_in_transaction``): no task, and a
    refusal stores nothing. ``sessions``: the channel has live sessions an agent takes part in
    (``ChannelAdapter.session_of``). ``replies``: agents answer on this channel at all (a web
    form is answered by email). ``fallback_reply_channel``: where a reply goes when this
    channel cannot take it now (a chat the visitor left, a form: email; later SMS for phone).
    ``recipient_kind``: the identity kind a reply is addressed to (shown to the agent).
    """

    local_delivery: bool = False
    sessions: bool = False
    replies: bool = True
    fallback_reply_channel: str = ""
    recipient_kind: str = ""


@dataclass(frozen=True)
class AttachmentLimits:
    """What an agent may attach to a reply on a channel (``ChannelAdapter.attachment_limits``).

    ``max_bytes`` is for all files of one message together; 0: the channel takes no files.
    ``types``: the content types it takes, empty for any.
    """

    max_bytes: int = 0
    types: frozenset[str] = frozenset()
    max_files: int = 10


@dataclass(frozen=True)
class Session:
    """A live conversation of a ticket on a channel with sessions (a chat, a call)."""

    key: str
    ticket_id: int | None
    # Whether an agent can still take part; ``reason`` says why not, for the agent.
    live: bool
    reason: str
    visitor_name: str = ""
    # How far the customer has read the conversation (a chat sequence number), 0 if unknown.
    visitor_read_seq: int = 0


@dataclass(frozen=True)
class ContractSample:
    """One inbound interaction of a channel as its provider sends it, for the hub's contract
    tests (``hub/tests/test_adapter_contract.py``): what ``receive`` gets. ``reply_expected``:
    whether a reply to the ticket it opens can go out at once (on the channel or its fallback)."""

    external_id: str
    payload: dict[str, Any]
    raw: bytes | None = None
    reply_expected: bool = True


@dataclass(frozen=True)
class Answer:
    """What a receipt door answers: a status, a JSON body and headers of its own (``Retry-After``)."""

    status: int
    payload: dict[str, Any]
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ReceiptDoor:
    """A channel's webhook whose whole work is the durable receipt (a raw mail POSTed by an MTA).

    ``hub.receipt_doors`` answers it in front of Django's request stack: the stack's middleware
    and its thread per request had cost more than twice the receipt itself. ``url_name`` names
    the channel's Django view for the same URL, which stays the full answer: ``take`` gets the
    ``Authorization`` header and the body and answers what the view answers, and must change
    nothing when it refuses (4xx), since every refusal is answered again by the view, through
    the whole stack (throttling failed credentials, logging).
    """

    url_name: str
    take: Callable[[str, bytes], Answer]


class ChannelAdapter(Protocol):
    """The contract every channel app implements; ``BaseAdapter`` gives the optional parts."""

    key: str
    capabilities: Capabilities

    def normalize(self, event: InboundEvent) -> Interaction:
        """Pure: the event's payload (and raw bytes) to the normalized form; raises on bad input."""
        ...

    def send(self, message: Message) -> DeliveryResult:
        """Deliver an outbound message on this channel (the delivery task, at least once)."""
        ...

    def send_in_transaction(self, message: Message) -> DeliveryResult:
        """Deliver inside the reply's transaction; only for ``capabilities.local_delivery``."""
        ...

    def can_reply(self, ticket_id: int) -> tuple[bool, str]:
        """Whether an agent can answer this ticket on this channel now, and if not, why."""
        ...

    def recipient(self, ticket_id: int) -> str:
        """Whom a reply on this channel reaches (an address, a number), "" if nobody in particular."""
        ...

    def reach(self, ticket_id: int) -> tuple[bool, str, str]:
        """``can_reply`` and, when it can, ``recipient`` in one answer: (usable, why not, whom).

        The ticket page and the reply ask both; a channel whose two answers read the same rows
        answers them in one pass (``BaseAdapter`` asks the two in turn).
        """
        ...

    def session_of(self, ticket_id: int) -> Session | None:
        """The ticket's latest live session on this channel; only for ``capabilities.sessions``."""
        ...

    def contract_sample(self) -> ContractSample:
        """A sample inbound interaction (creating the channel's configuration rows it needs),
        so the hub's contract suite proves this adapter; every channel provides one."""
        ...

    def attachment_limits(self) -> AttachmentLimits:
        """What an agent may attach to a reply on this channel (none by default)."""
        ...

    def reply_defaults(self, ticket_id: int) -> dict[str, Any]:
        """What the composer starts a reply with on this channel: ``cc`` (addresses) and
        ``signature`` (a template with canned-reply placeholders), where the channel has them."""
        ...

    def receipt_doors(self) -> tuple[ReceiptDoor, ...]:
        """The channel's webhooks that only write a receipt, answered in front of Django (``ReceiptDoor``)."""
        ...

    def on_stored(self, messages: list[Message]) -> None:
        """Channel-local effects of inbound messages the pipeline just stored (bounces,
        acknowledgements, confirmations); runs inside the pipeline's transaction, in order."""
        ...


class BaseAdapter:
    """Defaults for the optional parts of the contract; every channel's adapter derives from it."""

    key: str = ""
    capabilities: Capabilities = Capabilities()

    def send_in_transaction(self, message: Message) -> DeliveryResult:
        raise NotImplementedError(f"channel {self.key!r} does not deliver locally")

    def recipient(self, ticket_id: int) -> str:
        return ""

    def reach(self, ticket_id: int) -> tuple[bool, str, str]:
        usable, reason = self.can_reply(ticket_id)  # type: ignore[attr-defined]  # every adapter has it
        return usable, reason, self.recipient(ticket_id) if usable else ""

    def session_of(self, ticket_id: int) -> Session | None:
        return None

    def on_stored(self, messages: list[Message]) -> None:
        return None

    def attachment_limits(self) -> AttachmentLimits:
        return AttachmentLimits()

    def reply_defaults(self, ticket_id: int) -> dict[str, Any]:
        return {}

    def contract_sample(self) -> ContractSample:
        raise NotImplementedError(f"channel {self.key!r} provides no contract sample: it is not proven")

    def receipt_doors(self) -> tuple[ReceiptDoor, ...]:
        return ()


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
