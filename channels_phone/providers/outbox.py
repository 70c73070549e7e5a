"""A provider that sends nothing: texts are kept in ``sent`` and logged, like Django's locmem
mail backend. For development, demos and the hub's contract suite; it takes no webhooks."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from channels_phone.providers.base import (
    BadPayload,
    CallProgress,
    CallStarted,
    DialEnded,
    Download,
    Media,
    Plan,
    ProviderError,
    RecordingReady,
    Sent,
    Target,
    TextReceived,
    TextStatus,
    TranscriptReady,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from channels_phone.models import PhoneNumber

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Text:
    external_id: str
    sender: str
    to: str
    text: str
    status_url: str


# Every text "sent" in this process, oldest first (tests clear it).
sent: list[Text] = []


class OutboxProvider:
    key = "outbox"

    def verify(self, request: HttpRequest, number: PhoneNumber, urls: list[str]) -> str:
        return "the test outbox takes no webhooks"

    def named_number(self, kind: str, form: Mapping[str, str]) -> str:
        return ""

    def call_sid(self, form: Mapping[str, str]) -> str:
        return ""

    def call_started(self, form: Mapping[str, str]) -> CallStarted:
        raise BadPayload("the test outbox takes no webhooks")

    def call_progress(self, form: Mapping[str, str]) -> CallProgress:
        raise BadPayload("the test outbox takes no webhooks")

    def dial_ended(self, form: Mapping[str, str]) -> DialEnded:
        raise BadPayload("the test outbox takes no webhooks")

    def recording(self, form: Mapping[str, str]) -> RecordingReady | TranscriptReady:
        raise BadPayload("the test outbox takes no webhooks")

    def text_received(self, form: Mapping[str, str]) -> TextReceived:
        raise BadPayload("the test outbox takes no webhooks")

    def text_status(self, form: Mapping[str, str]) -> TextStatus:
        raise BadPayload("the test outbox takes no webhooks")

    def render(self, plan: Plan) -> tuple[str, str]:
        return "", "text/plain"

    def empty_answer(self) -> tuple[str, str]:
        return "", "text/plain"

    def send_text(self, number: PhoneNumber, to: str, text: str, status_url: str) -> Sent:
        item = Text(f"outbox-{uuid.uuid4().hex}", number.number, to, text, status_url)
        sent.append(item)
        log.info("SMS from %s to %s kept in the test outbox as %s", number.number, to, item.external_id)
        return Sent(item.external_id)

    def fetch_recording(self, number: PhoneNumber, recording: RecordingReady) -> Download:
        raise ProviderError("the test outbox has no recordings", retryable=False)

    def fetch_media(self, number: PhoneNumber, media: Media) -> Download:
        raise ProviderError("the test outbox has no media", retryable=False)

    def start_call(self, number: PhoneNumber, agent: Target, customer: str, answer_url: str, status_url: str) -> Sent:
        raise ProviderError("the test outbox places no calls", retryable=False)
