"""Calls and texts into the hub: the only caller of ``hub.pipeline.receive`` in this app.

The receipt's payload is the provider-neutral event (our number, the caller, the SIDs), so the
adapter reads Twilio's and the generic provider's alike. A text's MMS media come along as the
receipt's raw bytes, fetched before (``tasks.fetch_mms``). A STOP or START is recorded with a
new receipt, in its transaction; a redelivered text changes nothing.
"""

from __future__ import annotations

from django.db import transaction

from channels_phone import numbers, optout
from channels_phone.adapter import KEY, SMS_KEY
from channels_phone.mediapack import pack
from channels_phone.models import Call, PhoneNumber
from channels_phone.providers.base import Download, TextReceived
from hub.models import InboundEvent
from hub.pipeline import receive


def _team(number: PhoneNumber) -> str:
    return number.team.slug if number.team_id is not None and number.team is not None else ""


def accept_call(number: PhoneNumber, call: Call) -> tuple[InboundEvent, bool]:
    payload = {
        "kind": "call",
        "provider": call.provider,
        "number": number.number,
        "call_sid": call.call_sid,
        "from": call.from_number,
        "to": call.to_number,
        "direction": call.direction,
        "team": _team(number),
    }
    return receive(KEY, numbers.external_id(call.provider, call.call_sid), payload)


def accept_text(
    number: PhoneNumber, provider: str, text: TextReceived, media: list[Download] | None = None
) -> tuple[InboundEvent, bool]:
    sender = numbers.e164(text.from_number) or text.from_number
    payload: dict[str, object] = {
        "kind": "sms",
        "provider": provider,
        "number": number.number,
        "message_sid": text.message_sid,
        "from": sender,
        "to": text.to_number,
        "text": text.text,
        "team": _team(number),
    }
    keyword = optout.keyword(text.text)
    if keyword:
        payload["opt_out"] = keyword
    if media:
        payload["media"] = [
            {"filename": m.filename, "content_type": m.content_type, "size": len(m.content)} for m in media
        ]
    external_id = numbers.external_id(provider, text.message_sid)
    raw = pack(media) if media else None
    if not keyword:
        # An ordinary text is one statement: no transaction around it (its BEGIN and COMMIT were
        # two of a webhook's five round trips).
        return receive(SMS_KEY, external_id, payload, raw=raw)
    with transaction.atomic():
        event, created = receive(SMS_KEY, external_id, payload, raw=raw)
        if created:
            optout.apply(sender, text.text, text.message_sid)
    return event, created
