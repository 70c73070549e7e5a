"""The phone channel's two adapters: calls (``phone``) and texts (``sms``).

They are two channels because they behave as two: a call is answered by calling back, never by
a typed reply, so ``phone`` takes no replies and names ``sms`` as its fallback; a text is
answered by a text to the customer's mobile number (``recipient_kind`` phone), unless they
texted STOP. Calls thread by the customer's open phone ticket, texts by their open SMS ticket
within a window (there is no conversation id in SMS). Routing capacity, reports and the
composer's channel picker count them apart, as agents do.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from channels_phone import numbers
from channels_phone.mediapack import unpack
from channels_phone.models import Call, PhoneNumber, ProviderKind
from hub import memo
from hub.adapters import (
    BaseAdapter,
    Capabilities,
    ContractSample,
    DeliveryResult,
    Interaction,
    SenderIdentity,
    ThreadHints,
)
from hub.models import IdentityKind, InboundEvent, Message, MessageKind, Ticket

KEY = "phone"
SMS_KEY = "sms"
# What the hub's contract suite receives: a call and a text from a German mobile number.
SAMPLE_NUMBER = "+4930901820"
SAMPLE_CALLER = "+4915123456789"


def _sender(payload: dict[str, Any], call_sid: str) -> tuple[SenderIdentity, str]:
    caller = numbers.e164(str(payload.get("from", "")))
    if caller:
        # Caller ids can be spoofed (unverified), but the number is how callers are known.
        return SenderIdentity(kind=IdentityKind.PHONE, value=caller), numbers.display(caller)
    # An anonymous caller is a customer of their own, never joined to anyone else.
    anonymous = SenderIdentity(kind=IdentityKind.EXTERNAL, value=f"anonymous-call:{call_sid}", joinable=False)
    return anonymous, str(payload.get("from") or "anonymous")


def _sample_number() -> PhoneNumber:
    number, _ = PhoneNumber.objects.get_or_create(
        number=SAMPLE_NUMBER, defaults={"provider": ProviderKind.OUTBOX, "name": "Contract sample", "sms": True}
    )
    return number


class PhoneAdapter(BaseAdapter):
    key = KEY
    capabilities = Capabilities(replies=False, fallback_reply_channel=SMS_KEY, recipient_kind=IdentityKind.PHONE)

    def normalize(self, event: InboundEvent) -> Interaction:
        payload = event.payload
        call_sid = str(payload.get("call_sid") or "")
        if payload.get("kind") != "call" or not call_sid:
            raise ValueError("not a call: the payload names no call_sid")
        sender, shown = _sender(payload, call_sid)
        outbound = payload.get("direction") == "out"
        return Interaction(
            channel=KEY,
            identities=(sender,),
            # Language-neutral: the call card says what it is in the agent's language.
            text=f"☎ {shown}",
            kind=MessageKind.CALL,
            thread=ThreadHints(session=call_sid, reopen_within_days=settings.PHONE_CALL_THREAD_DAYS),
            external_id=event.external_id,
            team_hint=str(payload.get("team") or ""),
            metadata={
                "call_sid": call_sid,
                "provider": payload.get("provider", ""),
                "number": payload.get("number", ""),
                "from": payload.get("from", ""),
                "to": payload.get("to", ""),
                "direction": "outbound" if outbound else "inbound",
                "status": "ringing",
            },
        )

    def send(self, message: Message) -> DeliveryResult:
        return DeliveryResult(ok=False, error=_("Calls are answered by calling back"), retryable=False)

    def can_reply(self, ticket_id: int) -> tuple[bool, str]:
        return False, _("Calls are answered by calling back or by SMS")

    def recipient(self, ticket_id: int) -> str:
        from channels_phone.outbound import customer_number

        ticket = memo.cached(("ticket", ticket_id), lambda: Ticket.objects.filter(pk=ticket_id).first())
        return customer_number(ticket)[0] if ticket is not None else ""

    def contract_sample(self) -> ContractSample:
        number = _sample_number()
        payload = {
            "kind": "call",
            "provider": "twilio",
            "number": number.number,
            "call_sid": "CA0123456789abcdef0123456789abcdef",
            "from": SAMPLE_CALLER,
            "to": number.number,
            "direction": "in",
            "team": "",
        }
        return ContractSample(external_id=payload["call_sid"], payload=payload)

    def on_stored(self, messages: list[Message]) -> None:
        """The call's later reports (status, recording) may have come before the pipeline stored
        it: bring the new message up to date after the commit. A new inbound call pops up."""
        from channels_phone import popup
        from channels_phone.tasks import sync_call

        popup.after_stored(messages)

        sids = [str(m.metadata.get("call_sid")) for m in messages if m.kind == MessageKind.CALL]
        for call_id in Call.objects.filter(call_sid__in=sids).values_list("pk", flat=True):
            sync_call.delay_on_commit(call_id)  # type: ignore[attr-defined]  # celery-types lacks it


class SmsAdapter(BaseAdapter):
    key = SMS_KEY
    # A customer who texted STOP (or whose number takes no texts) is answered by email, if they have one.
    capabilities = Capabilities(recipient_kind=IdentityKind.PHONE, fallback_reply_channel="email")

    def normalize(self, event: InboundEvent) -> Interaction:
        payload = event.payload
        sender = numbers.e164(str(payload.get("from") or ""))
        if payload.get("kind") != "sms" or not sender:
            raise ValueError("not a text from a valid number")
        attachments = unpack(bytes(event.raw or b""))
        text = str(payload.get("text") or "")
        if not text.strip() and not attachments:
            raise ValueError("the text is empty")
        days = settings.PHONE_SMS_THREAD_DAYS
        return Interaction(
            channel=SMS_KEY,
            identities=(SenderIdentity(kind=IdentityKind.PHONE, value=sender),),
            text=text,
            attachments=attachments,
            thread=ThreadHints(reopen_within_days=days),
            external_id=event.external_id,
            team_hint=str(payload.get("team") or ""),
            metadata={
                "provider": payload.get("provider", ""),
                "number": payload.get("number", ""),
                "from": sender,
                "to": payload.get("to", ""),
                "message_sid": payload.get("message_sid", ""),
                **({"opt_out": payload["opt_out"]} if payload.get("opt_out") else {}),
            },
        )

    def send(self, message: Message) -> DeliveryResult:
        from channels_phone.outbound import send_text

        return send_text(message)

    def can_reply(self, ticket_id: int) -> tuple[bool, str]:
        from channels_phone.outbound import route_for

        ticket = memo.cached(("ticket", ticket_id), lambda: Ticket.objects.filter(pk=ticket_id).first())
        if ticket is None:
            return False, _("No such ticket")
        route = route_for(ticket)
        return not route.problem, route.problem

    def recipient(self, ticket_id: int) -> str:
        from channels_phone.outbound import route_for

        ticket = memo.cached(("ticket", ticket_id), lambda: Ticket.objects.filter(pk=ticket_id).first())
        return route_for(ticket).to if ticket is not None else ""

    def reach(self, ticket_id: int) -> tuple[bool, str, str]:
        from channels_phone.outbound import route_for

        ticket = memo.cached(("ticket", ticket_id), lambda: Ticket.objects.filter(pk=ticket_id).first())
        if ticket is None:
            return False, _("No such ticket"), ""
        route = route_for(ticket)  # one reading serves both answers
        return not route.problem, route.problem, route.to if not route.problem else ""

    def contract_sample(self) -> ContractSample:
        number = _sample_number()
        payload = {
            "kind": "sms",
            "provider": "twilio",
            "number": number.number,
            "message_sid": "SM0123456789abcdef0123456789abcdef",
            "from": SAMPLE_CALLER,
            "to": number.number,
            "text": "Hallo, kann der Techniker auch am Freitag kommen?",
            "team": "",
        }
        return ContractSample(external_id=payload["message_sid"], payload=payload)
