"""Web forms as the settings area changes them; every change is in the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from channels_web.models import WebForm
from hub import audit
from hub.models import Agent

SHOWN = (
    "name", "slug", "enabled", "language", "title", "title_en", "intro", "intro_en", "brand_colour",
    "allow_attachments", "send_confirmation", "allowed_origins", "fields",
)  # fmt: skip

audit.describe("webform.created", _("Web form created"))
audit.describe("webform.updated", _("Web form changed"))


def shown(webform: WebForm) -> dict[str, Any]:
    values = {name: getattr(webform, name) for name in SHOWN}
    values["team"] = webform.team.name if webform.team else None
    return values


@transaction.atomic
def do_save_webform(actor: Agent | None, webform: WebForm, *, before: dict[str, Any] | None) -> dict[str, list[Any]]:
    changes = audit.diff(before or {}, shown(webform))
    if not changes and before is not None:
        return {}
    webform.save()
    audit.record(actor, "webform.created" if before is None else "webform.updated", target=webform, changes=changes)
    return changes
