"""Mailboxes as the settings area changes them; every change is in the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from channels_email.models import Mailbox, new_token
from hub import audit, tokens
from hub.models import Agent

SHOWN = (
    "name", "address", "enabled", "is_default", "default_team",
    "imap_host", "imap_port", "imap_security", "imap_user", "imap_folder", "imap_move_to",
    "smtp_host", "smtp_port", "smtp_security", "smtp_user",
    "auto_acknowledge", "acknowledgement_subject", "acknowledgement_text", "max_message_bytes", "signature",
)  # fmt: skip

audit.describe("mailbox.created", _("Mailbox created"))
audit.describe("mailbox.updated", _("Mailbox changed"))
audit.describe("mailbox.deleted", _("Mailbox deleted"))
audit.describe("mailbox.token_rotated", _("Mailbox inbound token made anew"))


def _shown(mailbox: Mailbox) -> dict[str, Any]:
    shown = {name: getattr(mailbox, name) for name in SHOWN}
    shown["default_team"] = mailbox.default_team.name if mailbox.default_team else None
    return shown


@transaction.atomic
def do_save_mailbox(
    actor: Agent | None, mailbox: Mailbox, *, secrets: dict[str, str | None], before: Mailbox | None
) -> dict[str, list[Any]]:
    """Save ``mailbox`` (new when ``before`` is None) with the passwords given in ``secrets``
    ({field: value, "" to remove, None to keep}); one default mailbox at a time."""
    old = _shown(before) if before is not None else {}
    changes = audit.diff(old, _shown(mailbox))
    for name, value in secrets.items():
        if value is not None:
            setattr(mailbox, name, value)
            changes[name] = [audit.SECRET if before is not None and getattr(before, name) else None,
                             audit.SECRET if value else None]  # fmt: skip
    if not changes:
        return {}
    mailbox.save()
    if mailbox.is_default:
        Mailbox.objects.exclude(pk=mailbox.pk).filter(is_default=True).update(is_default=False)
    audit.record(actor, "mailbox.created" if before is None else "mailbox.updated", target=mailbox, changes=changes)
    return changes


@transaction.atomic
def do_delete_mailbox(actor: Agent | None, mailbox: Mailbox) -> None:
    audit.record(actor, "mailbox.deleted", target=mailbox)
    mailbox.delete()


@transaction.atomic
def do_rotate_inbound_token(actor: Agent | None, mailbox: Mailbox) -> str:
    """Give ``mailbox`` a new inbound token and return it: the only time it exists in plain text.

    Only its digest is stored, so the caller shows it once (settings screen, admin action,
    ``manage.py mailbox_token``) and keeps it nowhere; the previous token stops working when
    this commits. Locks the mailbox row, so two rotations at once leave the later one's token.
    """
    row = Mailbox.objects.select_for_update().only("pk", "address", "inbound_token_digest").get(pk=mailbox.pk)
    token = new_token()
    had = row.inbound_token_digest is not None
    row.inbound_token_digest = mailbox.inbound_token_digest = tokens.digest(token)
    row.save(update_fields=["inbound_token_digest"])
    audit.record(
        actor,
        "mailbox.token_rotated",
        target=row,
        changes={"inbound_token": [audit.SECRET if had else None, audit.SECRET]},
    )
    return token
