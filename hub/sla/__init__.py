"""Service levels: which policy measures a ticket, its clocks per target, and the beat that warns.

``policies`` checks what admins save, ``choose`` picks a ticket's policy, ``clocks`` keeps the
clocks in step with the ticket (messages, replies, status, priority), ``beat`` raises warnings
and breaches once each. Every way a policy changes gives the routing rule set a new token (the
signals below), so every process picks the change up at its next batch, as it does the rules.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from hub.models import SlaPolicy
from hub.models.routing import rules_changed


def _changed(**_kwargs: Any) -> None:
    rules_changed()


post_save.connect(_changed, sender=SlaPolicy, dispatch_uid="rules-changed-save-SlaPolicy")
post_delete.connect(_changed, sender=SlaPolicy, dispatch_uid="rules-changed-delete-SlaPolicy")
