"""IMAP polling: fetch mail with a UID above the last one seen, under the same UIDVALIDITY.

A poll costs in proportion to new mail, not mailbox size. Each mail is flagged \\Seen (or
moved) on the server only after its InboundEvent has committed; a crash in between means
a re-fetch next time, which the event's unique external id turns into a duplicate.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.mailbox import BaseMailBox

from channels_email.inbound import accept
from channels_email.models import Mailbox, Security
from hub.pools import is_unavailable

log = logging.getLogger(__name__)


def _connect(mailbox: Mailbox) -> BaseMailBox:
    cls = {Security.SSL: MailBox, Security.STARTTLS: MailBoxStartTls, Security.NONE: MailBoxUnencrypted}
    client = cls[Security(mailbox.imap_security)](mailbox.imap_host, port=mailbox.imap_port, timeout=30)
    return client.login(mailbox.imap_user, mailbox.imap_password, initial_folder=mailbox.imap_folder)


def _fetch_raw(client: BaseMailBox, uid: int) -> bytes | None:
    """The exact bytes of one mail; BODY.PEEK leaves \\Seen alone until we set it."""
    typ, data = client.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        return None
    for part in data or []:
        if isinstance(part, tuple) and len(part) == 2 and isinstance(part[1], bytes):
            return part[1]
    return None


def poll(mailbox: Mailbox) -> int:
    """Fetch and accept new mail of one mailbox; returns how many new events were written."""
    accepted = 0
    with _connect(mailbox) as client:
        status = client.folder.status(mailbox.imap_folder, ["UIDVALIDITY", "UIDNEXT"])
        uidvalidity = int(status["UIDVALIDITY"])
        last_uid = mailbox.imap_last_uid if mailbox.imap_uidvalidity == uidvalidity else 0
        if last_uid and int(status.get("UIDNEXT", 0) or 0) <= last_uid + 1:
            Mailbox.objects.filter(pk=mailbox.pk).update(imap_last_poll_at=timezone.now(), imap_last_error="")
            return 0
        criteria = AND(uid=f"{last_uid + 1}:*")
        uids = [int(u) for u in client.uids(criteria) if int(u) > last_uid][: settings.EMAIL_IMAP_BATCH]
        for uid in sorted(uids):
            raw = _fetch_raw(client, uid)
            if raw is None:
                continue  # expunged meanwhile
            _event, created = accept(raw, mailbox=mailbox, source="imap")
            accepted += int(created)
            # The event has committed (autocommit): now the server may forget about it.
            if mailbox.imap_move_to:
                client.move(str(uid), mailbox.imap_move_to)
            else:
                client.flag(str(uid), "\\Seen", True)
            last_uid = uid
            Mailbox.objects.filter(pk=mailbox.pk).update(imap_uidvalidity=uidvalidity, imap_last_uid=last_uid)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            imap_uidvalidity=uidvalidity, imap_last_uid=last_uid, imap_last_poll_at=timezone.now(), imap_last_error=""
        )
    return accepted


def poll_all() -> int:
    """Poll every mailbox with IMAP; how many new events were written.

    The database unavailable (PostgreSQL refusing connections, this process's pool busy for
    its whole timeout) ends the round: the mail stays on the server, unflagged, for the next
    poll, and nothing is recorded on the mailboxes, which could not be written either.
    """
    total = 0
    try:
        mailboxes = list(Mailbox.objects.enabled().exclude(imap_host=""))
    except Exception as exc:
        if not is_unavailable(exc):
            raise
        log.warning("IMAP poll skipped: the database is unavailable (%s: %s)", type(exc).__name__, exc)
        return 0
    for mailbox in mailboxes:
        try:
            total += poll(mailbox)
        except Exception as exc:
            if is_unavailable(exc):
                log.warning(
                    "IMAP poll of %s stopped: the database is unavailable (%s: %s); the mail stays on the server",
                    mailbox.address,
                    type(exc).__name__,
                    exc,
                )
                return total
            log.exception("polling %s failed", mailbox.address)
            Mailbox.objects.filter(pk=mailbox.pk).update(
                imap_last_error=str(exc)[:2000], imap_last_poll_at=timezone.now()
            )
    return total
