"""The email channel's hook into the hub pipeline, without the hub knowing this app.

The pipeline stores an inbound mail as a Message; this receiver applies its channel-local
effects in the same transaction and queues the acknowledgement after commit.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from channels_email import actions
from hub.models import Direction, Message


def on_message_saved(sender: type[Message], instance: Message, created: bool, **kwargs: Any) -> None:
    if not created or instance.channel != "email" or instance.direction != Direction.INBOUND:
        return
    if instance.inbound_event_id is None:
        return
    actions.apply_inbound(instance)
    if actions.wants_acknowledgement(instance):
        from channels_email.tasks import acknowledge

        acknowledge.delay_on_commit(instance.pk)


def connect() -> None:
    post_save.connect(on_message_saved, sender=Message, dispatch_uid="channels_email.on_message_saved")
