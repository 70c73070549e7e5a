"""The hub's own account (company name, default language, time zone, logo) and the first run."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from hub import audit
from hub.models import Account, Agent

ACCOUNT_FIELDS = (
    "name",
    "language",
    "time_zone",
    "idle_away_minutes",
    "undo_send_seconds",
    "survey_by_email",
    "survey_scale",
    "survey_after_hours",
)


def _shown(account: Account) -> dict[str, Any]:
    return {
        "name": account.name,
        "language": account.language,
        "time_zone": account.time_zone,
        "idle_away_minutes": account.idle_away_minutes,
        "undo_send_seconds": account.undo_send_seconds,
        "survey_by_email": account.survey_by_email,
        "survey_scale": account.survey_scale,
        "survey_after_hours": account.survey_after_hours,
        "logo": f"{account.logo_type} ({len(account.logo)} bytes)" if account.has_logo else "",
    }


@transaction.atomic
def do_update_account(actor: Agent | None, **values: Any) -> dict[str, list[Any]]:
    """Set the given account fields (``ACCOUNT_FIELDS``, ``logo`` as ``(bytes, type)`` or
    ``None`` to remove it) and return what changed, as recorded in the audit log."""
    account = Account.objects.select_for_update().get(pk=Account.current().pk)
    before = _shown(account)
    for field in ACCOUNT_FIELDS:
        if field in values:
            setattr(account, field, values[field])
    if account.survey_by_email and not before["survey_by_email"]:
        # Only tickets solved from now on are asked: switching it on mails no old customers.
        account.surveys_since = timezone.now()
    if "logo" in values:
        logo = values["logo"]
        account.logo, account.logo_type = (logo[0], logo[1]) if logo else (b"", "")
        account.logo_updated_at = timezone.now()
    changes = audit.diff(before, _shown(account))
    if changes:
        account.save()
        audit.record(actor, "account.updated", target=account, changes=changes)
    return changes
