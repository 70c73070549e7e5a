"""Outbound mail: an agent's reply (or our acknowledgement) as a threaded MIME mail over SMTP."""

from __future__ import annotations

import logging
import smtplib
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEMultipart
from django.utils.translation import gettext as _

from channels_email.models import Mailbox, Security
from channels_email.sanitize import sanitize_html
from channels_email.thread_signals import normalize_subject, outbound_message_id, reply_subject, with_token
from hub import memo
from hub.adapters import DeliveryResult
from hub.models import Attachment, Direction, Identity, IdentityKind, Message, Ticket
from hub.replies import identities_of

log = logging.getLogger(__name__)
KEY = "email"
# RFC 5322 practice: keep the first id and the most recent ones, so References stays short.
MAX_REFERENCES = 20


def _latest_inbound(ticket: Ticket | int) -> Message | None:
    ticket_id = ticket.pk if isinstance(ticket, Ticket) else ticket
    return memo.cached(
        ("email.latest_inbound", ticket_id),
        lambda: (
            Message.objects.filter(ticket=ticket_id, channel=KEY, direction=Direction.INBOUND)
            .exclude(metadata__has_key="automatic")
            .order_by("-created_at", "-id")
            .first()
        ),
    )


def recipient_for(ticket: Ticket | int) -> tuple[str | None, str]:
    """The address a reply goes to, and why there is none (or why it must not be used).

    Two queries: the customer's latest mail (its Reply-To and From come first) and the
    customer's addresses with whether they bounce; a third only when the reply goes to an
    address the customer has no identity for (a Reply-To elsewhere), to see if it bounces.
    """
    ticket_id = ticket.pk if isinstance(ticket, Ticket) else ticket
    return memo.cached(("email.recipient", ticket_id), lambda: _recipient_for(ticket_id))


def _recipient_for(ticket_id: int) -> tuple[str | None, str]:
    latest = _latest_inbound(ticket_id)
    candidates: list[str] = []
    if latest is not None:
        candidates += [*(latest.metadata.get("reply_to") or []), latest.metadata.get("from") or ""]
    known = _known_addresses(ticket_id)
    candidates += list(known)
    address = next((c.strip().lower() for c in candidates if c and "@" in c), None)
    if address is None:
        return None, _("The customer has no email address")
    bouncing = (
        known[address]
        if address in known
        else Identity.objects.filter(kind=IdentityKind.EMAIL, value=address, bouncing=True).exists()
    )
    if bouncing:
        return address, _("Mail to %(address)s bounces") % {"address": address}
    return address, ""


def _known_addresses(ticket_id: int) -> dict[str, bool]:
    """The customer's addresses, those that do not bounce and the newest first, with whether they
    bounce; from the page's identities when a read-only page has read them already."""
    ticket = memo.peek(("ticket", ticket_id))
    if isinstance(ticket, Ticket):
        emails = [i for i in identities_of(ticket.customer_id) if i.kind == IdentityKind.EMAIL]
        emails.sort(key=lambda i: (i.bouncing, -i.created_at.timestamp()))
        return {i.value: i.bouncing for i in emails}
    return dict(
        Identity.objects.filter(customer__tickets=ticket_id, kind=IdentityKind.EMAIL)
        .order_by("bouncing", "-created_at")
        .values_list("value", "bouncing")
    )


def mailbox_for(ticket: Ticket) -> Mailbox:
    """The mailbox a reply on ``ticket`` is sent from: the one the customer last wrote to."""
    return memo.cached(("email.mailbox", ticket.pk), lambda: _mailbox_for(ticket))


def _mailbox_for(ticket: Ticket) -> Mailbox:
    latest = _latest_inbound(ticket)
    address = latest.metadata.get("mailbox", "") if latest is not None else ""
    return Mailbox.for_address(address) or Mailbox.default()


def references_for(ticket: Ticket, before: Message) -> tuple[str, list[str]]:
    """(In-Reply-To, References): the thread's Message-IDs, oldest first, as RFC 5322 asks."""
    ids = list(
        Message.objects.filter(ticket=ticket, channel=KEY, external_id__startswith="<")
        .exclude(pk=before.pk)
        .order_by("created_at", "id")
        .values_list("external_id", "direction")
    )
    in_reply_to = next((mid for mid, direction in reversed(ids) if direction == Direction.INBOUND), "")
    refs = [(mid or "").split("#", 1)[0] for mid, _ in ids if mid]
    if len(refs) > MAX_REFERENCES:
        refs = refs[:1] + refs[-(MAX_REFERENCES - 1) :]
    return (in_reply_to or "").split("#", 1)[0], refs


def _connection(mailbox: Mailbox) -> object:
    if not mailbox.smtp_host:
        return get_connection(fail_silently=False)
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host=mailbox.smtp_host,
        port=mailbox.smtp_port,
        username=mailbox.smtp_user or None,
        password=mailbox.smtp_password or None,
        use_tls=mailbox.smtp_security == Security.STARTTLS,
        use_ssl=mailbox.smtp_security == Security.SSL,
        timeout=30,
        fail_silently=False,
    )


class RelatedMail(EmailMultiAlternatives):
    """A mail whose HTML shows images of its own: the HTML part and the images (``related``,
    each with its Content-ID) go together in a multipart/related (RFC 2387), beside the plain
    text alternative; the images are not attachments of the mail."""

    def __init__(self, *args: Any, related: list[MIMEBase] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.related = related or []

    # Django's own hook (not in its stubs): where each alternative becomes its MIME part.
    def _create_mime_attachment(self, content: Any, mimetype: str) -> MIMEBase:
        part: MIMEBase = super()._create_mime_attachment(content, mimetype)  # type: ignore[misc]
        if mimetype != "text/html" or not self.related:
            return part
        related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding or settings.DEFAULT_CHARSET)
        related.attach(part)
        for image in self.related:
            related.attach(image)
        return related


def _inline_image(attachment: Attachment, data: bytes) -> MIMEBase:
    _main, subtype = attachment.content_type.split("/", 1)
    image = MIMEImage(data, _subtype=subtype)
    image["Content-ID"] = f"<{attachment.content_id}>"
    image.add_header("Content-Disposition", "inline", filename=attachment.filename)
    return image


def _addresses(message: Message, key: str) -> list[str]:
    return [c for c in message.metadata.get(key, []) if isinstance(c, str) and "@" in c]


def build(message: Message, mailbox: Mailbox, to: list[str]) -> tuple[EmailMultiAlternatives, str]:
    ticket = message.ticket
    message_id = outbound_message_id(ticket.pk, message.pk, mailbox.domain)
    # A forward starts a conversation of its own with someone else: no threading with the customer's.
    forward = bool(message.metadata.get("forward"))
    in_reply_to, references = ("", []) if forward else references_for(ticket, message)
    automatic = message.metadata.get("automatic", "")
    subject = message.metadata.get("subject") or reply_subject(message.subject or ticket.subject, ticket.pk)
    if message.metadata.get("opens_conversation") and not in_reply_to:  # an agent wrote first: no "Re:"
        subject = with_token(normalize_subject(message.subject or ticket.subject), ticket.pk)
    headers = {"Message-ID": message_id, "Reply-To": mailbox.address}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = " ".join(references)
    if automatic:
        # RFC 3834: other systems must not answer this automatically (no vacation ping-pong).
        headers["Auto-Submitted"] = str(message.metadata.get("auto_submitted") or "auto-replied")
        headers["X-Auto-Response-Suppress"] = "All"
        headers["Precedence"] = "auto_reply"
    html = sanitize_html(message.html) if message.html else ""
    shown: list[Attachment] = []
    files: list[Attachment] = []
    for attachment in message.attachments.all():
        # An inline image goes in the HTML's part only while the HTML still shows it.
        cid = f'src="cid:{attachment.content_id}"'
        (shown if attachment.inline and attachment.content_id and cid in html else files).append(attachment)
    mail = RelatedMail(
        subject=subject,
        body=message.text,
        from_email=formataddr((mailbox.name, mailbox.address)) if mailbox.name else mailbox.address,
        to=to,
        cc=_addresses(message, "cc"),
        # Django puts Bcc addresses in the envelope (RCPT TO) only, never in a header.
        bcc=_addresses(message, "bcc"),
        headers=headers,
        related=[_inline_image(a, _read(a)) for a in shown],
    )
    if html:
        mail.attach_alternative(html, "text/html")
    for attachment in files:
        mail.attach(attachment.filename, _read(attachment), attachment.content_type)
    return mail, message_id


def _read(attachment: Attachment) -> bytes:
    with attachment.file.open("rb") as fh:
        return fh.read()


def _permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code >= 500
    return False


def send(message: Message) -> DeliveryResult:
    ticket = message.ticket
    explicit = _addresses(message, "to")
    if explicit:
        to = explicit
    else:
        address, problem = recipient_for(ticket)
        if address is None or problem:
            return DeliveryResult(ok=False, error=problem or "no recipient", retryable=False)
        to = [address]
    mailbox = mailbox_for(ticket)
    mail, message_id = build(message, mailbox, to)
    try:
        connection = _connection(mailbox)
        mail.connection = connection  # type: ignore[assignment]
        mail.send(fail_silently=False)
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        permanent = _permanent(exc)
        log.warning("mail for message %s not sent (%s): %s", message.pk, "permanent" if permanent else "retry", exc)
        return DeliveryResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:1000], retryable=not permanent)
    return DeliveryResult(ok=True, external_id=message_id)
