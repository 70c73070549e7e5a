"""The email channel's hook into the hub pipeline, without the hub knowing this app.

The pipeline stores an inbound mail as a Message; this receiver applies its channel-local
effects in the same transaction and queues the acknowledgement after commit.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from channels_email import actions
from channels_email.adapter import cached_mailbox, forget_mailboxes
from channels_email.models import Mailbox
from hub.models import Direction, Message


def on_message_saved(sender: type[Message], instance: Message, created: bool, **kwargs: Any) -> None:
    if not created or instance.channel != "email" or instance.direction != Direction.INBOUND:
        return
    if instance.inbound_event_id is None:
        return
    actions.apply_inbound(instance)
    meta = instance.metadata or {}
    if meta.get("automatic"):
        return
    # Most mailboxes do not acknowledge: answer that from the cached mailbox, without queries.
    mailbox = cached_mailbox(str(meta.get("mailbox", "")))
    if mailbox is None or not mailbox.auto_acknowledge:
        return
    if actions.wants_acknowledgement(instance):
        from channels_email.tasks import acknowledge

        acknowledge.delay_on_commit(instance.pk)  # type: ignore[attr-defined]  # celery-types lacks it


def connect() -> None:
    post_save.connect(on_message_saved, sender=Message, dispatch_uid="channels_email.on_message_saved")
    post_save.connect(forget_mailboxes, sender=Mailbox, dispatch_uid="channels_email.forget_mailboxes.save")
    post_delete.connect(forget_mailboxes, sender=Mailbox, dispatch_uid="channels_email.forget_mailboxes.delete")
