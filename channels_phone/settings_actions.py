"""Phone numbers as the settings area changes them; every change is in the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _

from channels_phone.models import PhoneNumber
from hub import audit
from hub.models import Agent

SHOWN = (
    "number", "name", "enabled", "provider", "account_sid", "sms", "voicemail",
    "greeting", "greeting_audio_url", "language",
)  # fmt: skip

audit.describe("phone_number.created", _("Phone number created"))
audit.describe("phone_number.updated", _("Phone number changed"))
audit.describe("phone_number.deleted", _("Phone number deleted"))


class InUse(Exception):
    """The number has calls or texts on record: deleting it would take them away."""


def shown(number: PhoneNumber) -> dict[str, Any]:
    values = {name: getattr(number, name) for name in SHOWN}
    values["team"] = number.team.name if number.team else None
    values["calendar"] = number.calendar.name if number.calendar else None
    return values


@transaction.atomic
def do_save_phone_number(
    actor: Agent | None, number: PhoneNumber, *, secrets: dict[str, str | None], before: PhoneNumber | None
) -> dict[str, list[Any]]:
    """Save ``number`` (new when ``before`` is None) with the credentials given in ``secrets``
    ({field: value, "" to remove, None to keep}); returns what changed, secrets masked."""
    changes = audit.diff(shown(before) if before is not None else {}, shown(number))
    for name, value in secrets.items():
        if value is not None:
            had = before is not None and bool(getattr(before, name))
            if had or value:
                setattr(number, name, value)
                changes[name] = [audit.SECRET if had else None, audit.SECRET if value else None]
    if not changes and before is not None:
        return {}
    number.save()
    action = "phone_number.created" if before is None else "phone_number.updated"
    audit.record(actor, action, target=number, changes=changes)
    return changes


@transaction.atomic
def do_delete_phone_number(actor: Agent | None, number: PhoneNumber) -> None:
    """Delete ``number``; raises ``InUse`` when calls or texts of it are on record (they keep it)."""
    audit.record(actor, "phone_number.deleted", target=number)
    try:
        with transaction.atomic():
            number.delete()
    except ProtectedError as error:
        raise InUse(str(number)) from error
