"""A channel for tests whose "provider" is the test itself.

Its payload is a plain JSON form of an Interaction; ``sent`` records what agents replied and
``fail_next`` makes the next sends fail, as a provider outage would. It stands in for the
outside world, never for our own database or broker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.adapters import (
    AttachmentLimits,
    BaseAdapter,
    DeliveryResult,
    InboundAttachment,
    Interaction,
    SenderIdentity,
    ThreadHints,
)
from hub.models import InboundEvent, Message


class ProviderDown(RuntimeError):
    pass


@dataclass
class FakeChannel(BaseAdapter):
    key: str = "fake"
    sent: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0
    raise_on_normalize: bool = False
    closed_tickets: set[int] = field(default_factory=set)
    # What agents may attach to a reply (none, as an SMS channel); a test sets what it needs.
    limits: AttachmentLimits = field(default_factory=AttachmentLimits)

    def normalize(self, event: InboundEvent) -> Interaction:
        if self.raise_on_normalize:
            raise ValueError("the provider sent something this adapter cannot read")
        p = event.payload
        return Interaction(
            channel=self.key,
            identities=tuple(
                SenderIdentity(kind=i["kind"], value=i["value"], joinable=i.get("joinable", True))
                for i in p.get("identities", [])
            ),
            display_name=p.get("name", ""),
            subject=p.get("subject", ""),
            text=p.get("text", ""),
            external_id=p.get("message_id", event.external_id),
            team_hint=p.get("team", ""),
            thread=ThreadHints(
                message_ids=tuple(p.get("in_reply_to", [])),
                ticket_id=p.get("ticket_id"),
                session=p.get("session", ""),
                reopen_within_days=p.get("reopen_within_days"),
            ),
            attachments=tuple(
                InboundAttachment(a["filename"], a["content_type"], a["content"].encode())
                for a in p.get("attachments", [])
            ),
            automatic=p.get("automatic", ""),
        )

    def send(self, message: Message) -> DeliveryResult:
        if self.fail_next:
            self.fail_next -= 1
            raise ProviderDown("provider unreachable")
        self.sent.append({"message_id": message.pk, "ticket_id": message.ticket_id, "text": message.text})
        return DeliveryResult(ok=True, external_id=f"fake-out-{message.pk}")

    def attachment_limits(self) -> AttachmentLimits:
        return self.limits

    def can_reply(self, ticket_id: int) -> tuple[bool, str]:
        if ticket_id in self.closed_tickets:
            return False, "conversation ended"
        return True, ""


def payload(email: str = "max@example.de", text: str = "Hallo", **extra: Any) -> dict[str, Any]:
    return {"identities": [{"kind": "email", "value": email}], "text": text, **extra}
