"""A generic telephony webhook in the shape German cloud-telephony providers send (sipgate.io
style): form posts with an ``event`` (``newCall``, ``answer``, ``hangup``, …), answered with XML
to play, dial, record or hang up; its REST API at ``PHONE_GENERIC_API_URL``.

Every request is signed with the number's webhook secret::

    X-Signature-Timestamp: <unix seconds>
    X-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<public URL>." + raw body)>

The URL is part of what is signed, so the state we put in callback URLs (which agents were
rung) cannot be changed either. A timestamp more than ``PHONE_SIGNATURE_MAX_AGE`` seconds
(five minutes) away from our clock is refused: a recorded request cannot be replayed later.

Events (form fields): ``newCall`` (callId, from, to, direction), ``answer`` (callId,
answeringNumber), ``hangup`` (callId, cause: normalClearing, busy, cancel, noAnswer,
congestion, notFound, forwarded; duration), ``dial`` (callId, status: answered, noAnswer, busy,
failed, canceled; duration), ``recording`` (callId, recordingId, url, duration),
``transcription`` (callId, recordingId, transcriptionId, text), ``sms`` (id, from, to, text,
mediaUrl0…, mediaType0…), ``smsStatus`` (id, status: queued, sent, delivered, failed;
errorCode, errorMessage).

REST (HTTP Basic with the number's token id and token, JSON): a text is ``POST /sessions/sms``
(smsId, recipient, message, callbackUrl), a click-to-call ``POST /sessions/calls`` (caller: the
agent's phone, rung first; callee: the customer; callerId: our number; callbackUrl); both answer
with the new id (``id`` or ``sessionId``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, SubElement, tostring

import requests
from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from channels_phone.providers import http
from channels_phone.providers.base import (
    BadPayload,
    CallProgress,
    CallStarted,
    Dial,
    DialEnded,
    Download,
    Hangup,
    Media,
    Plan,
    Play,
    ProviderError,
    Record,
    RecordingReady,
    Say,
    Sent,
    Target,
    TextReceived,
    TextStatus,
    TranscriptReady,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

    from channels_phone.models import PhoneNumber

ID = r"^[A-Za-z0-9._:-]{1,64}$"
HANGUP_CAUSES = {
    "normalClearing": "completed",
    "busy": "busy",
    "cancel": "canceled",
    "noAnswer": "no-answer",
    "congestion": "failed",
    "notFound": "failed",
    "forwarded": "completed",
}
DIAL_STATES = {
    "answered": "completed",
    "noAnswer": "no-answer",
    "busy": "busy",
    "failed": "failed",
    "canceled": "canceled",
}
TEXT_STATES = {"queued": "queued", "sent": "sent", "delivered": "delivered", "failed": "failed"}


class _Event(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    event: str
    call_id: str = Field(default="", alias="callId")
    from_: str = Field(default="", alias="from")
    to: str = ""
    direction: str = "in"
    cause: str = ""
    status: str = ""
    duration: int | None = None
    answering_number: str = Field(default="", alias="answeringNumber")
    recording_id: str = Field(default="", alias="recordingId")
    transcription_id: str = Field(default="", alias="transcriptionId")
    url: str = ""
    text: str = ""
    id: str = ""
    error_code: str = Field(default="", alias="errorCode")
    error_message: str = Field(default="", alias="errorMessage")


def _read(form: Mapping[str, str], *events: str) -> _Event:
    try:
        event = _Event.model_validate(dict(form))
    except ValidationError as exc:
        raise BadPayload(f"not a generic telephony event: {exc.error_count()} bad fields") from exc
    if event.event not in events:
        raise BadPayload(f"event {event.event!r} where {', '.join(events)} was expected")
    for name in ("call_id", "recording_id", "transcription_id", "id"):
        value = getattr(event, name)
        if value and not _valid_id(value):
            raise BadPayload(f"{name} {value!r} is not an id")
    return event


def _valid_id(value: str) -> bool:
    return re.fullmatch(ID, value) is not None


def _need(value: str, name: str) -> str:
    if not value:
        raise BadPayload(f"{name} is missing")
    return value


def signature(secret: str, timestamp: str, url: str, body: bytes) -> str:
    """The value of ``X-Signature`` for a request (the provider's side; tests sign with it)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{url}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def _api() -> str:
    return str(settings.PHONE_GENERIC_API_URL).rstrip("/")


class GenericProvider:
    key = "generic"

    def verify(self, request: HttpRequest, number: PhoneNumber, urls: list[str]) -> str:
        given = request.headers.get("X-Signature", "")
        stamp = request.headers.get("X-Signature-Timestamp", "")
        if not given or not stamp:
            return "no X-Signature or X-Signature-Timestamp header"
        try:
            age = abs(time.time() - int(stamp))
        except ValueError:
            return f"X-Signature-Timestamp {stamp[:20]!r} is not a number"
        if age > settings.PHONE_SIGNATURE_MAX_AGE:
            return f"the signature is {age:.0f} s old (at most {settings.PHONE_SIGNATURE_MAX_AGE} s)"
        secret = number.webhook_secret
        if not secret:
            return f"{number.number} has no webhook secret to check signatures with"
        body = request.body
        if any(hmac.compare_digest(signature(secret, stamp, url, body), given) for url in urls):
            return ""
        return f"X-Signature does not match (URLs tried: {', '.join(urls)})"

    def named_number(self, kind: str, form: Mapping[str, str]) -> str:
        return form.get("from" if form.get("direction") == "out" else "to", "")

    def call_sid(self, form: Mapping[str, str]) -> str:
        return form.get("callId", "")

    def call_started(self, form: Mapping[str, str]) -> CallStarted:
        event = _read(form, "newCall")
        direction = "out" if event.direction == "out" else "in"
        return CallStarted(_need(event.call_id, "callId"), event.from_, event.to, direction)

    def call_progress(self, form: Mapping[str, str]) -> CallProgress:
        event = _read(form, "answer", "hangup")
        call_id = _need(event.call_id, "callId")
        if event.event == "answer":
            return CallProgress(call_id, "in-progress", event.from_, event.to, answering_number=event.answering_number)
        status = HANGUP_CAUSES.get(event.cause)
        if status is None:
            raise BadPayload(f"unknown hangup cause {event.cause!r}")
        return CallProgress(call_id, status, event.from_, event.to, event.duration, None, event.answering_number)

    def dial_ended(self, form: Mapping[str, str]) -> DialEnded:
        event = _read(form, "dial")
        status = DIAL_STATES.get(event.status)
        if status is None:
            raise BadPayload(f"unknown dial status {event.status!r}")
        return DialEnded(_need(event.call_id, "callId"), status == "completed", status, event.duration)

    def recording(self, form: Mapping[str, str]) -> RecordingReady | TranscriptReady:
        event = _read(form, "recording", "transcription")
        call_id, recording_id = _need(event.call_id, "callId"), _need(event.recording_id, "recordingId")
        if event.event == "transcription":
            return TranscriptReady(call_id, recording_id, _need(event.transcription_id, "transcriptionId"), event.text)
        return RecordingReady(call_id, recording_id, _need(event.url, "url"), event.duration)

    def text_received(self, form: Mapping[str, str]) -> TextReceived:
        event = _read(form, "sms")
        media = tuple(
            Media(form[f"mediaUrl{i}"], form.get(f"mediaType{i}", "application/octet-stream"))
            for i in range(10)
            if form.get(f"mediaUrl{i}")
        )
        return TextReceived(_need(event.id, "id"), _need(event.from_, "from"), _need(event.to, "to"), event.text, media)

    def text_status(self, form: Mapping[str, str]) -> TextStatus:
        event = _read(form, "smsStatus")
        status = TEXT_STATES.get(event.status)
        if status is None:
            raise BadPayload(f"unknown SMS status {event.status!r}")
        return TextStatus(_need(event.id, "id"), status, event.error_code, event.error_message)

    def render(self, plan: Plan) -> tuple[str, str]:
        root = Element("Response")
        if plan.status_url:
            root.set("onAnswer", plan.status_url)
            root.set("onHangup", plan.status_url)
        for step in plan.steps:
            if isinstance(step, Say):
                SubElement(root, "Say", language=step.language).text = step.text
            elif isinstance(step, Play):
                SubElement(SubElement(root, "Play"), "Url").text = step.url
            elif isinstance(step, Dial):
                dial = SubElement(root, "Dial", timeout=str(step.timeout), action=step.action_url)
                if step.caller_id:
                    dial.set("callerId", step.caller_id)
                for target in step.targets:
                    if target.phone:
                        SubElement(dial, "Number").text = target.phone
            elif isinstance(step, Record):
                SubElement(
                    root,
                    "Record",
                    maxLength=str(step.max_length),
                    action=step.action_url,
                    callback=step.callback_url,
                    transcribe="true" if step.transcribe else "false",
                )
            elif isinstance(step, Hangup):
                SubElement(root, "Hangup")
        return '<?xml version="1.0" encoding="UTF-8"?>' + tostring(root, encoding="unicode"), "application/xml"

    def empty_answer(self) -> tuple[str, str]:
        return '<?xml version="1.0" encoding="UTF-8"?><Response/>', "application/xml"

    def _auth(self, number: PhoneNumber) -> tuple[str, str]:
        if not number.account_sid or not number.auth_token:
            raise ProviderError(f"{number.number} has no API token id or token", retryable=False)
        return number.account_sid, number.auth_token

    def send_text(self, number: PhoneNumber, to: str, text: str, status_url: str) -> Sent:
        body = {"smsId": number.number, "recipient": to, "message": text, "callbackUrl": status_url}
        return Sent(self._posted_id(http.call("POST", f"{_api()}/sessions/sms", json=body, auth=self._auth(number))))

    def start_call(self, number: PhoneNumber, agent: Target, customer: str, answer_url: str, status_url: str) -> Sent:
        # The provider rings the caller (the agent's phone) and then the callee by itself: no
        # answer URL. Progress (``answer`` once the customer takes it, ``hangup``) goes to
        # ``callbackUrl``, signed like every webhook.
        if not agent.phone:
            raise ProviderError("the agent's line has no phone number (browser clients need Twilio)", retryable=False)
        body = {"caller": agent.phone, "callee": customer, "callerId": number.number, "callbackUrl": status_url}
        return Sent(self._posted_id(http.call("POST", f"{_api()}/sessions/calls", json=body, auth=self._auth(number))))

    @staticmethod
    def _posted_id(response: requests.Response) -> str:
        """The id the provider gave what was posted (``id``, or a call's ``sessionId``)."""
        try:
            data = response.json() if response.content else {}
        except ValueError:
            data = {}
        found = str(data.get("id") or data.get("sessionId") or "") if isinstance(data, dict) else ""
        if not found:
            raise ProviderError("the provider accepted the request but named no id")
        return found

    def fetch_recording(self, number: PhoneNumber, recording: RecordingReady) -> Download:
        if not http.under(recording.url, _api()):
            raise ProviderError(f"recording URL {recording.url} is not under {_api()}", retryable=False)
        found = http.download(recording.url, auth=self._auth(number), default_type="audio/mpeg")
        extension = "wav" if "wav" in found.content_type else "mp3"
        return Download(found.content, found.content_type, f"{recording.recording_sid}.{extension}")

    def fetch_media(self, number: PhoneNumber, media: Media) -> Download:
        if not http.under(media.url, _api()):
            raise ProviderError(f"media URL {media.url} is not under {_api()}", retryable=False)
        return http.download(media.url, auth=self._auth(number), default_type=media.content_type)
