"""The mailbox connection test of the settings: log in to IMAP and open the folder, log in to
SMTP and send a test mail, and keep each server's exact answer for the admin to read.

It talks to the servers with imaplib and smtplib directly (not imap_tools or Django's mail
backend), because their answers are the point: "NO [AUTHENTICATIONFAILED] Invalid
credentials" says more than "login failed".
"""

from __future__ import annotations

import contextlib
import imaplib
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from channels_email.models import Mailbox, Security

TIMEOUT = 15


@dataclass
class Step:
    """One step of the test: what was tried, whether it worked, and what the server said."""

    label: str
    ok: bool
    answer: str = ""


@dataclass
class Report:
    imap: list[Step] = field(default_factory=list)
    smtp: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in (*self.imap, *self.smtp))


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return " ".join(_text(v) for v in value)
    return str(value)


def _failure(exc: BaseException) -> str:
    """A connection error as the admin can act on it (the host, the port, the TLS)."""
    if isinstance(exc, socket.timeout | TimeoutError):
        return _("No answer within %(seconds)d seconds (wrong host or port, or a firewall).") % {"seconds": TIMEOUT}
    if isinstance(exc, ConnectionRefusedError):
        return _("Connection refused: nothing listens on this port.")
    if isinstance(exc, socket.gaierror):
        return _("Unknown host: %(error)s") % {"error": exc}
    if isinstance(exc, ssl.SSLError):
        return _("TLS failed (%(error)s): is the security setting right for this port?") % {"error": exc}
    return f"{type(exc).__name__}: {_text(exc.args[0] if len(exc.args) == 1 else exc.args) or exc}"


def check_imap(mailbox: Mailbox) -> list[Step]:
    steps: list[Step] = []
    typ: str
    data: Any
    where = f"{mailbox.imap_host}:{mailbox.imap_port}"
    try:
        if mailbox.imap_security == Security.SSL:
            client: imaplib.IMAP4 = imaplib.IMAP4_SSL(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT)
        else:
            client = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT)
            if mailbox.imap_security == Security.STARTTLS:
                client.starttls()
    except (OSError, imaplib.IMAP4.error) as exc:
        return [Step(_("Connect to %(where)s") % {"where": where}, False, _failure(exc))]
    steps.append(Step(_("Connect to %(where)s") % {"where": where}, True, _text(client.welcome)))
    try:
        try:
            typ, data = client.login(mailbox.imap_user, mailbox.imap_password)
        except imaplib.IMAP4.error as exc:
            steps.append(Step(_("Log in as %(user)s") % {"user": mailbox.imap_user}, False, _text(exc.args)))
            return steps
        steps.append(Step(_("Log in as %(user)s") % {"user": mailbox.imap_user}, typ == "OK", f"{typ} {_text(data)}"))
        typ, data = client.select(mailbox.imap_folder, readonly=True)
        answer = f"{typ} {_text(data)}"
        if typ == "OK":
            answer = _("%(count)s mails in the folder") % {"count": _text(data)} + f" ({typ})"
        steps.append(Step(_("Open the folder %(folder)s") % {"folder": mailbox.imap_folder}, typ == "OK", answer))
        if mailbox.imap_move_to:
            typ, data = client.select(mailbox.imap_move_to, readonly=True)
            label = _("Open the folder %(folder)s") % {"folder": mailbox.imap_move_to}
            steps.append(Step(label, typ == "OK", f"{typ} {_text(data)}"))
    except (OSError, imaplib.IMAP4.error) as exc:
        steps.append(Step(_("Talk to the server"), False, _failure(exc)))
    finally:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            client.logout()
    return steps


def _smtp_answer(reply: tuple[int, bytes | str]) -> str:
    code, message = reply
    return f"{code} {_text(message)}"


def check_smtp(mailbox: Mailbox, *, send_to: str = "") -> list[Step]:
    """Connect, log in (when a user is set) and, given ``send_to``, send a test mail from the
    mailbox's address, recording the answer to each command."""
    if mailbox.smtp_host:
        host, port, security = mailbox.smtp_host, mailbox.smtp_port, mailbox.smtp_security
        user, password = mailbox.smtp_user, mailbox.smtp_password
    else:  # the hub's own mail server (EMAIL_HOST and friends)
        host, port = settings.EMAIL_HOST, settings.EMAIL_PORT
        security = Security.STARTTLS if settings.EMAIL_USE_TLS else Security.NONE
        user, password = settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD
    where = f"{host}:{port}"
    steps: list[Step] = []
    try:
        if security == Security.SSL:
            client: smtplib.SMTP = smtplib.SMTP_SSL(timeout=TIMEOUT)
        else:
            client = smtplib.SMTP(timeout=TIMEOUT)
        greeting = client.connect(host, port)
    except (OSError, smtplib.SMTPException) as exc:
        return [Step(_("Connect to %(where)s") % {"where": where}, False, _failure(exc))]
    steps.append(Step(_("Connect to %(where)s") % {"where": where}, True, _smtp_answer(greeting)))
    try:
        client.ehlo()
        if security == Security.STARTTLS:
            reply = client.starttls()
            steps.append(Step(_("Switch to TLS (STARTTLS)"), reply[0] == 220, _smtp_answer(reply)))
            client.ehlo()
        if user:
            label = _("Log in as %(user)s") % {"user": user}
            try:
                reply = client.login(user, password)
                steps.append(Step(label, True, _smtp_answer(reply)))
            except smtplib.SMTPAuthenticationError as exc:
                steps.append(Step(label, False, _smtp_answer((exc.smtp_code, exc.smtp_error))))
                return steps
            except smtplib.SMTPNotSupportedError as exc:
                steps.append(Step(label, False, _("The server offers no login here: %(error)s") % {"error": exc}))
                return steps
        if send_to:
            steps.append(_send_test(client, mailbox, send_to))
    except (OSError, smtplib.SMTPException) as exc:
        steps.append(Step(_("Talk to the server"), False, _failure(exc)))
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            client.quit()
    return steps


def _send_test(client: smtplib.SMTP, mailbox: Mailbox, send_to: str) -> Step:
    label = _("Send a test mail to %(address)s") % {"address": send_to}
    message = EmailMessage()
    message["From"] = f"{mailbox.name} <{mailbox.address}>" if mailbox.name else mailbox.address
    message["To"] = send_to
    message["Subject"] = _("Test mail from the service hub")
    message["Message-ID"] = make_msgid(domain=mailbox.domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        _("This mail tests the mailbox %(address)s: if you read it, sending works.") % {"address": mailbox.address}
    )
    for command in (lambda: client.mail(mailbox.address), lambda: client.rcpt(send_to)):
        reply = command()
        if reply[0] >= 400:
            return Step(label, False, _smtp_answer(reply))
    reply = client.data(message.as_bytes())
    return Step(label, reply[0] == 250, _smtp_answer(reply))


def run(mailbox: Mailbox, *, send_to: str = "") -> Report:
    """Test what the mailbox has configured: IMAP when a host is set, SMTP always."""
    report = Report()
    if mailbox.imap_host:
        report.imap = check_imap(mailbox)
    report.smtp = check_smtp(mailbox, send_to=send_to)
    return report
