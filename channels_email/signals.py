"""The email channel's hook into the hub pipeline, without the hub knowing this app.

The pipeline stores inbound mail as Messages, many at once, and says so (``inbound_stored``);
this receiver applies their channel-local effects in the same transaction and queues the
acknowledgements after commit.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from channels_email import actions
from channels_email.adapter import cached_mailbox, forget_mailboxes
from channels_email.models import Mailbox
from hub.models import Direction, Message
from hub.pipeline.signals import inbound_stored


def on_inbound_stored(sender: object, messages: list[Message], **kwargs: Any) -> None:
    mails = [m for m in messages if m.channel == "email" and m.direction == Direction.INBOUND]
    if not mails:
        return
    actions.apply_inbound_all(mails)
    for mail in mails:
        meta = mail.metadata or {}
        if meta.get("automatic"):
            continue
        # Most mailboxes do not acknowledge: answer that from the cached mailbox, without queries.
        mailbox = cached_mailbox(str(meta.get("mailbox", "")))
        if mailbox is None or not mailbox.auto_acknowledge:
            continue
        if actions.wants_acknowledgement(mail):
            from channels_email.tasks import acknowledge

            acknowledge.delay_on_commit(mail.pk)  # type: ignore[attr-defined]  # celery-types lacks it


def connect() -> None:
    inbound_stored.connect(on_inbound_stored, dispatch_uid="channels_email.on_inbound_stored")
    post_save.connect(forget_mailboxes, sender=Mailbox, dispatch_uid="channels_email.forget_mailboxes.save")
    post_delete.connect(forget_mailboxes, sender=Mailbox, dispatch_uid="channels_email.forget_mailboxes.delete")
