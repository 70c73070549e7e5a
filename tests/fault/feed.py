"""Mail as the outside world hands it to the hub: by the inbound webhook and by SMTP.

``hand_over`` behaves like a sending MTA: an answer that is not "accepted" (a 4xx/5xx over
HTTP, a temporary SMTP code, a refused connection) is retried after a pause until it is.
"""

from __future__ import annotations

import smtplib
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.utils import format_datetime

from tests.fault.services import Hub


def mail(sender: str, subject: str, message_id: str, *, replies_to: str = "", text: str = "") -> bytes:
    headers = [
        f"From: {sender}",
        "To: support@fault.example",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        f"Date: {format_datetime(datetime.now(UTC))}",
    ]
    if replies_to:
        headers += [f"In-Reply-To: {replies_to}", f"References: {replies_to}"]
    body = text or f"{subject}\n\nGruß\n{sender}"
    headers += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    return ("\r\n".join([*headers, "", body]) + "\r\n").encode()


def post(hub: Hub, raw: bytes, timeout: float = 15) -> int:
    """The webhook's status code for one attempt (0: no answer at all)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{hub.web_port}/api/v1/channels/email/inbound",
        data=raw,
        headers={"Authorization": f"Bearer {hub.mailbox_token}", "Content-Type": "message/rfc822"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def smtp(hub: Hub, raw: bytes, sender: str, timeout: float = 15) -> tuple[int, str]:
    """The SMTP answer for one attempt: (code, text) of the first refusal, or of DATA."""
    try:
        with smtplib.SMTP("127.0.0.1", hub.smtp_port, timeout=timeout) as client:
            client.ehlo()
            code, text = client.mail(sender)
            if code == 250:
                code, text = client.rcpt(hub.mailbox_address)
            if code == 250:
                code, text = client.data(raw)
            return code, text.decode(errors="replace")
    except smtplib.SMTPResponseException as error:
        said: bytes | str = error.smtp_error
        return error.smtp_code, said.decode(errors="replace") if isinstance(said, bytes) else said
    except (OSError, smtplib.SMTPException):
        return 0, ""


def hand_over(hub: Hub, raw: bytes, sender: str, via: str, *, timeout: float = 90) -> int:
    """Retry as an MTA does until the hub accepts the mail; how many attempts it took."""
    deadline = time.monotonic() + timeout
    attempts = 0
    while True:
        attempts += 1
        accepted = smtp(hub, raw, sender)[0] == 250 if via == "smtp" else post(hub, raw) in (200, 202)
        if accepted:
            return attempts
        if time.monotonic() > deadline:
            raise TimeoutError(f"the hub did not accept a mail by {via} within {timeout:.0f} s")
        time.sleep(0.5)


def stored(hub: Hub, message_ids: list[str]) -> dict[str, list[int]]:
    """Message-ID → the tickets it is stored on (one entry per stored copy)."""
    rows = hub.query(
        "SELECT external_id, ticket_id FROM hub_message WHERE channel = 'email' AND external_id = ANY(%s)",
        message_ids,
    )
    found: dict[str, list[int]] = {}
    for external_id, ticket_id in rows:
        found.setdefault(external_id, []).append(ticket_id)
    return found
