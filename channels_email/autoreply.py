"""Recognizing automatic mail: bounces (with their status) and auto-replies.

Automatic mail is stored on the ticket like any other, but it never triggers automatic mail
of ours; bounces also mark the address as bouncing. Signals, in order of trust: RFC 3464
delivery reports, RFC 3834 Auto-Submitted, Exchange's and others' auto-reply headers,
Precedence and List-* headers, an empty Return-Path, and last the subject of well-known
out-of-office and non-delivery notices in German and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import Message as MimeMessage
from email.parser import BytesHeaderParser
from email.policy import compat32

from channels_email.charsets import decode_bytes, decode_header, raw_header
from channels_email.thread_signals import normalize_message_id

AUTO_REPLY = "auto_reply"
BOUNCE = "bounce"

_BOUNCE_SENDER = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.IGNORECASE)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery status notification|delivery failure|failure notice|mail delivery failed|"
    r"returned mail|unzustellbar|nicht zustellbar|unable to deliver|delivery has failed|"
    r"rückläufer|fehlgeschlagen: |non-delivery",
    re.IGNORECASE,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic|matische)?[ -]?(reply|response|antwort)|out of (the )?office|"
    r"abwesenheitsnotiz|automatische antwort|autosvar|réponse automatique)",
    re.IGNORECASE,
)
_STATUS = re.compile(r"\b([245]\.\d{1,3}\.\d{1,3})\b")
_SMTP_CODE_STATUS = re.compile(r"\b(5[0-5]\d)[ -]([45]\.\d{1,3}\.\d{1,3})?")


@dataclass(frozen=True)
class Bounce:
    status: str = ""  # RFC 3463 status, e.g. 5.1.1
    action: str = ""  # failed, delayed, delivered, relayed, expanded
    recipients: tuple[str, ...] = ()
    original_message_id: str = ""
    diagnostic: str = ""

    @property
    def permanent(self) -> bool:
        if self.action:
            return self.action == "failed" and not self.status.startswith("4")
        return self.status.startswith("5")


@dataclass(frozen=True)
class Classification:
    kind: str = ""  # '', auto_reply, bounce
    reason: str = ""
    bounce: Bounce | None = None
    signals: dict[str, str] = field(default_factory=dict)


def _report_fields(text: str) -> list[dict[str, str]]:
    """The field groups of a message/delivery-status body (per-message, then per-recipient)."""
    groups: list[dict[str, str]] = []
    for block in re.split(r"\r?\n\s*\r?\n", text):
        fields: dict[str, str] = {}
        for line in re.sub(r"\r?\n[ \t]+", " ", block).splitlines():
            if ":" in line:
                name, _, value = line.partition(":")
                fields[name.strip().lower()] = value.strip()
        if fields:
            groups.append(fields)
    return groups


def _address_of(value: str) -> str:
    # "rfc822; max@example.de" → max@example.de
    value = value.split(";", 1)[1] if ";" in value else value
    return value.strip().strip("<>").strip()


def _part_text(part: MimeMessage) -> str:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return decode_bytes(payload, part.get_content_charset())
    inner = part.get_payload()
    if isinstance(inner, list):
        return "\n\n".join(p.as_string() if isinstance(p, MimeMessage) else str(p) for p in inner)
    return str(inner or "")


def _original_message_id(part: MimeMessage) -> str:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], MimeMessage):
            return normalize_message_id(raw_header(inner[0], "Message-ID"))
        return ""
    text = _part_text(part)
    headers = BytesHeaderParser(policy=compat32).parsebytes(text.encode("utf-8", "surrogateescape"))
    return normalize_message_id(raw_header(headers, "Message-ID"))


def parse_bounce(msg: MimeMessage, body_text: str) -> Bounce:
    status = action = diagnostic = original = ""
    recipients: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            # compat32 parses a delivery-status body as a list of header blocks.
            for group in _report_fields(_part_text(part)):
                if "final-recipient" in group or "original-recipient" in group:
                    rcpt = _address_of(group.get("final-recipient") or group.get("original-recipient", ""))
                    if rcpt and rcpt not in recipients:
                        recipients.append(rcpt)
                    action = action or group.get("action", "").lower()
                    if not status and group.get("status", "").split():
                        status = group["status"].split()[0]
                    diagnostic = diagnostic or group.get("diagnostic-code", "")
        elif ctype in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers") and not original:
            original = _original_message_id(part)
    if not recipients:
        failed = raw_header(msg, "X-Failed-Recipients")
        recipients = [a.strip() for a in failed.split(",") if "@" in a]
    if not status:
        match = _STATUS.search(diagnostic) or _STATUS.search(body_text)
        if match:
            status = match.group(1)
        else:
            code = _SMTP_CODE_STATUS.search(body_text)
            if code:
                status = code.group(2) or f"{code.group(1)[0]}.0.0"
    if not original:
        found = re.search(r"^Message-ID:\s*(<[^>\s]+>)", body_text, re.IGNORECASE | re.MULTILINE)
        original = found.group(1) if found else ""
    return Bounce(
        status=status,
        action=action,
        recipients=tuple(recipients),
        original_message_id=original,
        diagnostic=decode_header(diagnostic)[:500],
    )


def classify(msg: MimeMessage, sender: str, subject: str, body_text: str = "") -> Classification:
    """Whether ``msg`` is a bounce, an auto-reply or mail from a person ('')."""
    ctype = msg.get_content_type()
    report_type = str(msg.get_param("report-type", "") or "").lower()
    return_path = raw_header(msg, "Return-Path").strip()
    subject_l = subject.lower()

    if ctype == "multipart/report" and report_type in ("delivery-status", "global-delivery-status"):
        return Classification(BOUNCE, "delivery status report", parse_bounce(msg, body_text))
    if raw_header(msg, "X-Failed-Recipients") or (
        _BOUNCE_SENDER.match(sender or "") and _BOUNCE_SUBJECT.search(subject_l)
    ):
        return Classification(BOUNCE, "non-delivery notice", parse_bounce(msg, body_text))
    if ctype == "multipart/report":
        # Read receipts (disposition-notification) and abuse reports (feedback-report).
        return Classification(AUTO_REPLY, f"{report_type or 'unknown'} report")

    auto_submitted = raw_header(msg, "Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return Classification(AUTO_REPLY, f"Auto-Submitted: {auto_submitted}")
    for header in ("X-Autoreply", "X-Autorespond", "X-Autogenerated", "X-Auto-Response-Suppress"):
        value = raw_header(msg, header).strip()
        if value and value.lower() not in ("no", "none", "false"):
            return Classification(AUTO_REPLY, f"{header}: {value}")
    precedence = raw_header(msg, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return Classification(AUTO_REPLY, f"Precedence: {precedence}")
    for header in ("List-Id", "List-Unsubscribe", "List-Post", "List-Help", "Feedback-ID"):
        if raw_header(msg, header):
            return Classification(AUTO_REPLY, f"{header} header: mailing list or bulk mail")
    if return_path in ("<>", "<<>>"):
        return Classification(AUTO_REPLY, "empty Return-Path")
    if _BOUNCE_SENDER.match(sender or ""):
        return Classification(AUTO_REPLY, "sent by a mailer daemon")
    if _AUTO_SUBJECT.search(subject):
        return Classification(AUTO_REPLY, "out-of-office subject")
    return Classification()
