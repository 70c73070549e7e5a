"""The audit log's only writer: who did what to which object, with the values before and after.

Actions call ``record`` inside their own transaction, so an entry exists exactly when the
change committed. Values are stored as people read them (a team's name, a role's label, a
list of skills); secrets only as "changed". ``describe`` gives each action a translated name
for the audit log screen; channel apps describe their own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hub.models import Agent, AuditEntry

# Shown instead of a secret's value: that it changed is all the log may say.
SECRET = "••••••"  # noqa: S105 - a mask, not a password

_ip: ContextVar[str | None] = ContextVar("hub_audit_ip", default=None)
_ACTIONS: dict[str, str | Promise] = {}


def describe(action: str, label: str | Promise) -> None:
    """Name an action for people (``"mailbox.updated"`` → "Mailbox changed")."""
    _ACTIONS[action] = label


def label_of(action: str) -> str | Promise:
    return _ACTIONS.get(action, action)


def known_actions() -> dict[str, str | Promise]:
    return dict(_ACTIONS)


@contextlib.contextmanager
def client_address(ip: str | None) -> Iterator[None]:
    """Entries recorded inside carry ``ip`` (the request's client address)."""
    token = _ip.set(ip)
    try:
        yield
    finally:
        _ip.reset(token)


def shown(value: Any) -> Any:
    """A value as the log keeps it: JSON, readable, short."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): shown(v) for k, v in value.items()}
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return [shown(v) for v in value]
    text = str(value)
    return text if len(text) <= 500 else text[:499] + "…"


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for every field whose shown value differs."""
    changes: dict[str, list[Any]] = {}
    for key in dict.fromkeys([*before, *after]):
        old, new = shown(before.get(key)), shown(after.get(key))
        if old != new:
            changes[key] = [old, new]
    return changes


def record(
    actor: Agent | None,
    action: str,
    *,
    target: models.Model | None = None,
    label: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry. ``changes`` is ``{field: [before, after]}`` (see ``diff``), or any facts
    worth keeping for an action that changes no field (``{"scope": "write"}``)."""
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.name if actor is not None else str(_("System")),
        action=action,
        target_type=target._meta.model_name or "" if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(label or (str(target) if target is not None else ""))[:200],
        changes=shown(dict(changes or {})),
        ip=_ip.get(),
    )


for _action, _label in {
    "account.updated": _("Account changed"),
    "setup.completed": _("First run completed"),
    "agent.invited": _("Agent invited"),
    "agent.invitation_resent": _("Invitation sent again"),
    "agent.invitation_revoked": _("Invitation revoked"),
    "agent.joined": _("Invitation accepted"),
    "agent.created": _("Agent profile created"),
    "agent.updated": _("Agent changed"),
    "agent.role_changed": _("Role changed"),
    "agent.deactivated": _("Agent deactivated"),
    "agent.reactivated": _("Agent reactivated"),
    "team.created": _("Team created"),
    "team.updated": _("Team changed"),
    "team.deleted": _("Team deleted"),
    "skill.created": _("Skill added"),
    "skill.deleted": _("Skill removed"),
    "token.created": _("API token created"),
    "token.revoked": _("API token revoked"),
    "customer.merged": _("Customers merged"),
    "customer.merge_undone": _("Customer merge undone"),
    "customer.exported": _("Customer data exported"),
    "customer.erased": _("Customer data erased"),
}.items():
    describe(_action, _label)
