"""Twilio and Twilio-compatible providers: webhooks checked with the ``twilio`` package's
RequestValidator, calls answered with its TwiML builders, texts sent and media fetched over the
REST API at ``PHONE_TWILIO_API_URL`` (Twilio's own by default).

Set on the number at the provider: voice URL ``/phone/twilio/voice/``, call status callback
``/phone/twilio/status/``, messaging URL ``/phone/twilio/sms/``. The others (dial, recording,
SMS status) are named in our answers and requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from twilio.request_validator import RequestValidator, get_signature_algorithm
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial as TwimlDial
from twilio.twiml.voice_response import VoiceResponse

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

API_VERSION = "2010-04-01"
SID = r"^[A-Z]{2}[0-9a-fA-F]{32}$"
# Twilio's message states onto ours (a delivery report never names ``sending`` as final).
TEXT_STATES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}
# The progress of a call we place, reported to its status URL (Twilio's default is "completed" only).
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]
CALL_STATES = {"queued", "initiated", "ringing", "in-progress", "completed", "busy", "no-answer", "failed", "canceled"}


class _Form(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


_M = TypeVar("_M", bound=_Form)


class _Call(_Form):
    CallSid: str = Field(pattern=SID)
    From: str = ""
    To: str = ""
    Direction: str = "inbound"


class _Status(_Call):
    CallStatus: str
    CallDuration: int | None = None
    SequenceNumber: int | None = None


class _Dialed(_Call):
    DialCallStatus: str = ""
    DialCallDuration: int | None = None


class _Recording(_Form):
    CallSid: str = Field(pattern=SID)
    RecordingSid: str = Field(pattern=SID)
    RecordingUrl: str = ""
    RecordingStatus: str = "completed"
    RecordingDuration: int | None = None
    TranscriptionSid: str = ""
    TranscriptionText: str = ""
    TranscriptionStatus: str = ""


class _Sms(_Form):
    MessageSid: str = Field(pattern=SID)
    From: str
    To: str
    Body: str = ""
    NumMedia: int = Field(default=0, ge=0, le=10)


class _SmsStatus(_Form):
    MessageSid: str = Field(pattern=SID)
    MessageStatus: str
    ErrorCode: str = ""
    ErrorMessage: str = ""


def _read(model: type[_M], form: Mapping[str, str]) -> _M:
    try:
        return model.model_validate(dict(form))
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        raise BadPayload(f"not a Twilio {model.__name__.strip('_').lower()} callback ({fields})") from exc


def _api() -> str:
    return str(settings.PHONE_TWILIO_API_URL).rstrip("/")


class TwilioProvider:
    key = "twilio"

    # -- webhooks -------------------------------------------------------------------------

    def verify(self, request: HttpRequest, number: PhoneNumber, urls: list[str]) -> str:
        signature = request.headers.get("X-Twilio-Signature", "")
        if not signature:
            return "no X-Twilio-Signature header"
        settings_header = request.headers.get("X-Twilio-Webhooks-Signature-Settings", "")
        algorithm = get_signature_algorithm(settings_header)
        # Signed with a shared key where the account uses one, else with the auth token.
        secret = number.webhook_secret if settings_header and number.webhook_secret else number.auth_token
        if not secret:
            return f"{number.number} has no auth token to check signatures with"
        validator = RequestValidator(secret)
        for url in urls:
            if validator.validate(url, request.POST, signature, algorithm):
                return ""
        return f"X-Twilio-Signature does not match (URLs tried: {', '.join(urls)})"

    def named_number(self, kind: str, form: Mapping[str, str]) -> str:
        # Inbound calls and texts name our number in To; a call we placed, in From.
        if form.get("Direction", "inbound").startswith("outbound"):
            return form.get("From", "")
        return form.get("To", "")

    def call_sid(self, form: Mapping[str, str]) -> str:
        return form.get("CallSid", "")

    def call_started(self, form: Mapping[str, str]) -> CallStarted:
        call = _read(_Call, form)
        direction = "out" if call.Direction.startswith("outbound") else "in"
        return CallStarted(call.CallSid, call.From, call.To, direction)

    def call_progress(self, form: Mapping[str, str]) -> CallProgress:
        status = _read(_Status, form)
        if status.CallStatus not in CALL_STATES:
            raise BadPayload(f"unknown CallStatus {status.CallStatus!r}")
        return CallProgress(
            status.CallSid, status.CallStatus, status.From, status.To, status.CallDuration, status.SequenceNumber
        )

    def dial_ended(self, form: Mapping[str, str]) -> DialEnded:
        dialed = _read(_Dialed, form)
        answered = dialed.DialCallStatus in ("completed", "answered")
        return DialEnded(dialed.CallSid, answered, dialed.DialCallStatus or "no-answer", dialed.DialCallDuration)

    def recording(self, form: Mapping[str, str]) -> RecordingReady | TranscriptReady:
        rec = _read(_Recording, form)
        if rec.TranscriptionSid:
            failed = rec.TranscriptionStatus not in ("", "completed")
            return TranscriptReady(rec.CallSid, rec.RecordingSid, rec.TranscriptionSid, rec.TranscriptionText, failed)
        failed = rec.RecordingStatus not in ("completed", "")
        return RecordingReady(rec.CallSid, rec.RecordingSid, rec.RecordingUrl, rec.RecordingDuration, failed)

    def text_received(self, form: Mapping[str, str]) -> TextReceived:
        sms = _read(_Sms, form)
        media = tuple(
            Media(form.get(f"MediaUrl{i}", ""), form.get(f"MediaContentType{i}", "application/octet-stream"))
            for i in range(sms.NumMedia)
            if form.get(f"MediaUrl{i}")
        )
        return TextReceived(sms.MessageSid, sms.From, sms.To, sms.Body, media)

    def text_status(self, form: Mapping[str, str]) -> TextStatus:
        report = _read(_SmsStatus, form)
        status = TEXT_STATES.get(report.MessageStatus)
        if status is None:
            raise BadPayload(f"unknown MessageStatus {report.MessageStatus!r}")
        return TextStatus(report.MessageSid, status, report.ErrorCode, report.ErrorMessage)

    # -- answers --------------------------------------------------------------------------

    def render(self, plan: Plan) -> tuple[str, str]:
        response = VoiceResponse()
        for step in plan.steps:
            if isinstance(step, Say):
                response.say(step.text, language=step.language)
            elif isinstance(step, Play):
                response.play(step.url)
            elif isinstance(step, Dial):
                dial = TwimlDial(timeout=step.timeout, action=step.action_url, caller_id=step.caller_id or None)
                for target in step.targets:
                    if target.phone:
                        dial.number(target.phone)
                    elif target.client:
                        dial.client(target.client)
                response.append(dial)
            elif isinstance(step, Record):
                response.record(
                    max_length=step.max_length,
                    action=step.action_url,
                    recording_status_callback=step.callback_url,
                    transcribe=step.transcribe,
                    transcribe_callback=step.callback_url if step.transcribe else None,
                    play_beep=True,
                )
            elif isinstance(step, Hangup):
                response.hangup()
        return str(response), "text/xml"

    def empty_answer(self) -> tuple[str, str]:
        return str(MessagingResponse()), "text/xml"

    # -- REST -----------------------------------------------------------------------------

    def _auth(self, number: PhoneNumber) -> tuple[str, str]:
        if not number.account_sid or not number.auth_token:
            raise ProviderError(f"{number.number} has no account SID or auth token", retryable=False)
        return number.account_sid, number.auth_token

    def send_text(self, number: PhoneNumber, to: str, text: str, status_url: str) -> Sent:
        auth = self._auth(number)
        url = f"{_api()}/{API_VERSION}/Accounts/{auth[0]}/Messages.json"
        data = {"To": to, "From": number.number, "Body": text, "StatusCallback": status_url}
        body = http.call("POST", url, data=data, auth=auth).json()
        sid = str(body.get("sid") or "") if isinstance(body, dict) else ""
        if not sid:
            raise ProviderError("the provider accepted the text but named no message SID")
        return Sent(sid)

    def start_call(self, number: PhoneNumber, agent: Target, customer: str, answer_url: str, status_url: str) -> Sent:
        # Twilio rings ``To`` (the agent) and asks ``Url`` once it is answered: that answer dials the customer.
        auth = self._auth(number)
        if not agent.phone and not agent.client:
            raise ProviderError("the agent's line has no phone or browser client", retryable=False)
        to = agent.phone or f"client:{agent.client}"
        url = f"{_api()}/{API_VERSION}/Accounts/{auth[0]}/Calls.json"
        data = {
            "To": to,
            "From": number.number,
            "Url": answer_url,
            "StatusCallback": status_url,
            "StatusCallbackEvent": STATUS_EVENTS,
        }
        body = http.call("POST", url, data=data, auth=auth).json()
        sid = str(body.get("sid") or "") if isinstance(body, dict) else ""
        if not sid:
            raise ProviderError("the provider accepted the call but named no call SID")
        return Sent(sid)

    def fetch_recording(self, number: PhoneNumber, recording: RecordingReady) -> Download:
        # Built from the SIDs under our API base, never from the URL in the callback.
        auth = self._auth(number)
        url = f"{_api()}/{API_VERSION}/Accounts/{auth[0]}/Recordings/{recording.recording_sid}.mp3"
        found = http.download(url, auth=auth, default_type="audio/mpeg")
        return Download(found.content, found.content_type, f"{recording.recording_sid}.mp3")

    def fetch_media(self, number: PhoneNumber, media: Media) -> Download:
        if not http.under(media.url, _api()):
            raise ProviderError(f"media URL {media.url} is not under {_api()}", retryable=False)
        return http.download(media.url, auth=self._auth(number), default_type=media.content_type)
