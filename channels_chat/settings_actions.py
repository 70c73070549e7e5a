"""Chat widgets as the settings area changes them; every change is in the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from channels_chat.models import Widget, new_widget_secret
from hub import audit
from hub.models import Agent

SHOWN = ("name", "enabled", "brand_colour", "greeting_de", "greeting_en", "allowed_origins", "prechat_fields")

audit.describe("widget.created", _("Chat widget created"))
audit.describe("widget.updated", _("Chat widget changed"))
audit.describe("widget.secret_rotated", _("Chat widget identity secret renewed"))


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


@transaction.atomic
def do_rotate_widget_secret(actor: Agent | None, widget: Widget) -> str:
    """Give ``widget`` a new identity secret and return it; signatures made with the old one stop
    vouching for visitors when this commits (they chat on as guests)."""
    row = Widget.objects.select_for_update().only("pk", "name", "secret").get(pk=widget.pk)
    row.secret = widget.secret = new_widget_secret()
    row.save(update_fields=["secret"])
    audit.record(actor, "widget.secret_rotated", target=row, changes={"secret": [audit.SECRET, audit.SECRET]})
    return row.secret
