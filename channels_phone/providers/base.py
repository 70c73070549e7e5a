"""What every telephony provider gives the channel: its webhooks read into typed events, its
answers to a call written from one plan, and its REST API (texts out, media in)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from django.http import HttpRequest

    from channels_phone.models import PhoneNumber


class BadPayload(ValueError):
    """A webhook that does not carry what its kind must (answered 400, nothing stored)."""


class ProviderError(Exception):
    """A REST call that failed; ``retryable`` unless no retry can help (a bad number, bad credentials)."""

    def __init__(self, message: str, *, retryable: bool = True, code: str = "") -> None:
        super().__init__(message)
        self.retryable = retryable
        self.code = code


# -- webhooks, as typed events -------------------------------------------------------------


@dataclass(frozen=True)
class CallStarted:
    call_sid: str
    from_number: str
    to_number: str
    direction: str = "in"


@dataclass(frozen=True)
class CallProgress:
    """A call status callback: ``status`` is a CallState value."""

    call_sid: str
    status: str
    from_number: str = ""
    to_number: str = ""
    duration: int | None = None
    # The provider's own order of its callbacks for this call, where it sends one.
    sequence: int | None = None
    answering_number: str = ""


@dataclass(frozen=True)
class DialEnded:
    """How the ringing of one agent's phone ended: ``answered`` or not (with why)."""

    call_sid: str
    answered: bool
    status: str
    duration: int | None = None


@dataclass(frozen=True)
class RecordingReady:
    call_sid: str
    recording_sid: str
    url: str
    duration: int | None = None
    failed: bool = False


@dataclass(frozen=True)
class TranscriptReady:
    call_sid: str
    recording_sid: str
    transcription_sid: str
    text: str
    failed: bool = False


@dataclass(frozen=True)
class Media:
    url: str
    content_type: str


@dataclass(frozen=True)
class TextReceived:
    message_sid: str
    from_number: str
    to_number: str
    text: str
    media: tuple[Media, ...] = ()


@dataclass(frozen=True)
class TextStatus:
    """A delivery report: ``status`` is queued, sent, delivered or failed."""

    message_sid: str
    status: str
    error_code: str = ""
    error_message: str = ""


# -- what a call is answered with ----------------------------------------------------------


@dataclass(frozen=True)
class Say:
    text: str
    language: str


@dataclass(frozen=True)
class Play:
    url: str


@dataclass(frozen=True)
class Target:
    phone: str = ""
    client: str = ""


@dataclass(frozen=True)
class Dial:
    targets: tuple[Target, ...]
    timeout: int
    action_url: str  # asked when the ringing ends: who next, or the voicemail
    caller_id: str = ""


@dataclass(frozen=True)
class Record:
    max_length: int
    action_url: str  # asked when the recording ends (hang up)
    callback_url: str  # the recording (and its transcript) is ready
    transcribe: bool = True


@dataclass(frozen=True)
class Hangup:
    pass


Step = Say | Play | Dial | Record | Hangup


@dataclass(frozen=True)
class Plan:
    steps: tuple[Step, ...]
    status_url: str = ""  # where call progress goes (providers that take it in the answer)


@dataclass(frozen=True)
class Sent:
    external_id: str


@dataclass(frozen=True)
class Download:
    content: bytes
    content_type: str
    filename: str = ""


class Provider(Protocol):
    key: str

    def verify(self, request: HttpRequest, number: PhoneNumber, urls: list[str]) -> str:
        """Why the request is not from the provider for ``number`` ("" when it is).

        ``urls``: the public URLs the request may have been sent to (the provider signs that).
        """
        ...

    def named_number(self, kind: str, form: Mapping[str, str]) -> str:
        """The number of ours a webhook of ``kind`` names (To for inbound), raw."""
        ...

    def call_sid(self, form: Mapping[str, str]) -> str:
        """The call a voice callback is about ("" for texts)."""
        ...

    def call_started(self, form: Mapping[str, str]) -> CallStarted: ...

    def call_progress(self, form: Mapping[str, str]) -> CallProgress: ...

    def dial_ended(self, form: Mapping[str, str]) -> DialEnded: ...

    def recording(self, form: Mapping[str, str]) -> RecordingReady | TranscriptReady: ...

    def text_received(self, form: Mapping[str, str]) -> TextReceived: ...

    def text_status(self, form: Mapping[str, str]) -> TextStatus: ...

    def render(self, plan: Plan) -> tuple[str, str]:
        """The answer to the provider's voice request: (body, content type)."""
        ...

    def empty_answer(self) -> tuple[str, str]:
        """The answer to a webhook that wants nothing done (a text received, a status)."""
        ...

    def send_text(self, number: PhoneNumber, to: str, text: str, status_url: str) -> Sent:
        """Send an SMS from ``number``; raises ProviderError."""
        ...

    def fetch_recording(self, number: PhoneNumber, recording: RecordingReady) -> Download:
        """The recording's audio, with the number's credentials; raises ProviderError."""
        ...

    def fetch_media(self, number: PhoneNumber, media: Media) -> Download:
        """One MMS media file, with the number's credentials; raises ProviderError."""
        ...

    def start_call(self, number: PhoneNumber, agent: Target, customer: str, answer_url: str, status_url: str) -> Sent:
        """Click-to-call: ring the agent's line (``agent``) from ``number`` and, once they answer,
        connect ``customer`` with ``number`` as caller id. ``answer_url`` is asked what to do when
        the agent answers (providers that connect by themselves ignore it); the call's progress
        goes to ``status_url``. Returns the call's id; raises ProviderError."""
        ...
