"""Customer fields as the settings area changes them; every change is in the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hub import audit
from hub.models import Agent, CustomerField

SHOWN = ("key", "label", "type", "choices", "position", "active")

audit.describe("customer_field.created", _("Customer field created"))
audit.describe("customer_field.updated", _("Customer field changed"))


def shown(field: CustomerField) -> dict[str, Any]:
    return {name: getattr(field, name) for name in SHOWN}


@transaction.atomic
def do_save_customer_field(
    actor: Agent | None, field: CustomerField, *, before: CustomerField | None
) -> dict[str, list[Any]]:
    """Save ``field`` (new when ``before`` is None); returns what changed."""
    if field.type != "choice":
        field.choices = []
    changes = audit.diff(shown(before) if before is not None else {}, shown(field))
    if not changes and before is not None:
        return {}
    field.save()
    action = "customer_field.created" if before is None else "customer_field.updated"
    audit.record(actor, action, target=field, label=field.label, changes=changes)
    return changes
