"""Chat widgets as the settings area changes them; every change is in the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from channels_chat.models import Widget
from hub import audit
from hub.models import Agent

SHOWN = ("name", "enabled", "brand_colour", "greeting_de", "greeting_en", "allowed_origins", "prechat_fields")

audit.describe("widget.created", _("Chat widget created"))
audit.describe("widget.updated", _("Chat widget changed"))


def shown(widget: Widget) -> dict[str, Any]:
    values = {name: getattr(widget, name) for name in SHOWN}
    values["team"] = widget.team.name if widget.team else None
    return values


@transaction.atomic
def do_save_widget(actor: Agent | None, widget: Widget, *, before: dict[str, Any] | None) -> dict[str, list[Any]]:
    """Save ``widget`` (new when ``before`` is None); returns what changed."""
    changes = audit.diff(before or {}, shown(widget))
    if not changes and before is not None:
        return {}
    widget.save()
    audit.record(actor, "widget.created" if before is None else "widget.updated", target=widget, changes=changes)
    return changes
