"""The email channel adapter: RFC 822 bytes of an InboundEvent → Interaction, and outbound send."""

from __future__ import annotations

import logging
from typing import Any

from channels_email.autoreply import BOUNCE, Bounce
from channels_email.mailboxes import cached_mailbox
from channels_email.models import Mailbox
from channels_email.parse import ParsedMail, parse_mail
from channels_email.sender_check import SenderCheck, check_identity
from channels_email.thread_signals import ticket_of_our_message_id, ticket_token
from hub.adapters import (
    AttachmentLimits,
    BaseAdapter,
    Capabilities,
    ContractSample,
    DeliveryResult,
    Interaction,
    ReceiptDoor,
    SenderIdentity,
    ThreadHints,
)
from hub.models import Direction, Identity, IdentityKind, InboundEvent, Message, Ticket

KEY = "email"

log = logging.getLogger(__name__)


def _bounced_ticket(bounce: Bounce) -> Ticket | None:
    """The ticket whose outbound mail bounced: by the stored Message-ID, else by our id format."""
    mid = bounce.original_message_id
    if not mid:
        return None
    found = Message.objects.filter(channel=KEY, external_id=mid).select_related("ticket").first()
    if found is not None:
        return found.ticket
    ticket_id = ticket_of_our_message_id(mid)
    return Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None


def _bounce_identity(bounce: Bounce, ticket: Ticket) -> str:
    """The bounced customer's address, so the bounce joins the conversation it belongs to.

    Only a bounce naming one of our own outbound Message-IDs gets here, an id only the
    recipient's mail servers have seen; a forged bounce cannot pick a ticket to land in.
    """
    addresses = list(
        Identity.objects.filter(customer_id=ticket.customer_id, kind=IdentityKind.EMAIL).values_list("value", flat=True)
    )
    for rcpt in bounce.recipients:
        if rcpt.lower() in addresses:
            return rcpt.lower()
    return addresses[0] if addresses else ""


def _metadata(mail: ParsedMail, mailbox: Mailbox, event: InboundEvent, sender_check: SenderCheck) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "mailbox": mailbox.address,
        "source": event.payload.get("source", ""),
        "from": mail.sender.address if mail.sender else "",
        "reply_to": [a.address for a in mail.reply_to],
        "to": [a.address for a in mail.to],
        "cc": [a.address for a in mail.cc],
        "date": mail.date,
        "headers": mail.headers,
    }
    if mail.classification.kind:
        meta["automatic"] = mail.classification.kind
        meta["automatic_reason"] = mail.classification.reason
    bounce = mail.classification.bounce
    if bounce is not None:
        meta["bounce"] = {
            "status": bounce.status,
            "action": bounce.action,
            "permanent": bounce.permanent,
            "recipients": list(bounce.recipients),
            "original_message_id": bounce.original_message_id,
            "diagnostic": bounce.diagnostic,
        }
    if mail.defects:
        meta["defects"] = mail.defects
    checked = sender_check.as_metadata()
    if checked is not None:
        meta["sender_check"] = checked
    return meta


class EmailAdapter(BaseAdapter):
    key = KEY
    capabilities = Capabilities(recipient_kind=IdentityKind.EMAIL)

    def receipt_doors(self) -> tuple[ReceiptDoor, ...]:
        from channels_email import webhook  # it imports this module (the channel's key)

        return (ReceiptDoor("channels_email:inbound", webhook.answer),)

    def normalize(self, event: InboundEvent) -> Interaction:
        raw = bytes(event.raw or b"")
        if not raw or raw.isspace():  # not raw.strip(): that copies a 20 MB mail to look at it
            raise ValueError("the mail is empty")
        mail = parse_mail(raw)
        mailbox = cached_mailbox(event.payload.get("mailbox", "")) or Mailbox.default()

        ids = mail.thread_ids
        ticket_id = next((t for t in map(ticket_of_our_message_id, ids) if t), None)
        if ticket_id is None:
            ticket_id = ticket_token(mail.subject)
        sender = mail.sender.address if mail.sender else ""
        display_name = mail.sender.name if mail.sender else ""
        bounce = mail.classification.bounce
        bounced = None
        if mail.classification.kind == BOUNCE and bounce is not None:
            bounced = _bounced_ticket(bounce)
            if bounced is not None:
                ids = (bounce.original_message_id, *ids)
                ticket_id = bounced.pk
                sender = _bounce_identity(bounce, bounced) or sender
        if not sender:
            raise ValueError("the mail names no sender (no From, Sender or Return-Path address)")
        # A bounce of our own mail is found by our Message-ID in its report, and speaks of the
        # customer it could not reach: no check of its From says anything about that.
        sender_check = (
            SenderCheck()
            if bounced is not None
            else check_identity(
                mail.auth_results, mailbox.trusted_servers, identity=sender, from_address=mail.from_address
            )
        )
        if sender_check.kept_apart:
            # Someone may write as this customer: the mail joins neither their record nor their
            # conversations (hub.pipeline.thread), and the agent sees why.
            log.warning(
                "mail %s as %s is kept apart from that customer: sender check %s (%s, %s)",
                event.external_id, sender, sender_check.result, sender_check.domain,
                sender_check.server or sender_check.checked_from,
            )  # fmt: skip
        return Interaction(
            channel=KEY,
            identities=(
                SenderIdentity(
                    kind=IdentityKind.EMAIL,
                    value=sender,
                    joinable=not sender_check.kept_apart,
                    recorded=not sender_check.kept_apart,
                ),
            ),
            display_name=display_name,
            subject=mail.subject,
            text=mail.text,
            html=mail.html,
            quoted_text=mail.quoted_text,
            attachments=tuple(mail.attachments),
            thread=ThreadHints(message_ids=ids, ticket_id=ticket_id),
            external_id=event.external_id,
            team_hint=mailbox.default_team.slug if mailbox.default_team_id and mailbox.default_team else "",
            automatic=mail.classification.kind,
            metadata=_metadata(mail, mailbox, event, sender_check),
        )

    def send(self, message: Message) -> DeliveryResult:
        from channels_email.outbound import send

        return send(message)

    def recipient(self, ticket_id: int) -> str:
        return self.reach(ticket_id)[2]

    def can_reply(self, ticket_id: int) -> tuple[bool, str]:
        usable, reason, _recipient = self.reach(ticket_id)
        return usable, reason

    def reach(self, ticket_id: int) -> tuple[bool, str, str]:
        from channels_email.outbound import recipient_for

        address, problem = recipient_for(ticket_id)
        usable = address is not None and not problem
        return usable, problem, address if usable and address else ""

    def attachment_limits(self) -> AttachmentLimits:
        from channels_email.composing import attachment_limits

        return attachment_limits()

    def reply_defaults(self, ticket_id: int) -> dict[str, Any]:
        from channels_email.composing import reply_defaults

        return reply_defaults(ticket_id)

    def contract_sample(self) -> ContractSample:
        mailbox = Mailbox.default()
        raw = (
            f"From: Maxi Muster <maxi@kunde.example>\r\nTo: {mailbox.address}\r\nSubject: Lieferung\r\n"
            "Message-ID: <contract-1@kunde.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Wo bleibt meine Bestellung?\r\n"
        ).encode()
        payload = {"mailbox": mailbox.address, "source": "contract"}
        return ContractSample(external_id="<contract-1@kunde.example>", payload=payload, raw=raw)

    def on_stored(self, messages: list[Message]) -> None:
        """Bounces and working addresses in the pipeline's transaction; acknowledgements after it."""
        from channels_email.actions import acknowledgements_due, apply_inbound_all
        from channels_email.tasks import acknowledge

        mails = [m for m in messages if m.direction == Direction.INBOUND]
        if not mails:
            return
        apply_inbound_all(mails)
        for message_id in acknowledgements_due(mails):
            acknowledge.delay_on_commit(message_id)  # type: ignore[attr-defined]  # celery-types lacks it
