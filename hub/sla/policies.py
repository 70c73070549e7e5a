"""What an SLA policy may say: targets per priority and the conditions it applies under.

``normalize_policy`` is the one check every way of saving a policy goes through (the API, the
settings screen); it raises ``ValueError`` naming the part that is wrong, in words for an admin.
Conditions are the routing rules' (``hub.routing.schema.Condition``), limited to the facts a
ticket keeps after its first message: a policy is chosen again when an agent changes the
ticket's priority or team, when the message's mailbox or text are no longer at hand.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from pydantic import ValidationError

from hub.models import BusinessCalendar, SlaTarget
from hub.routing.schema import PRIORITIES, Condition, problems
from hub.text import whole_number

TARGETS: tuple[str, ...] = tuple(SlaTarget.values)
# Priority values as the targets' keys: "1" low … "4" urgent.
PRIORITY_KEYS: tuple[str, ...] = tuple(str(value) for value in sorted(PRIORITIES.values()))
# The condition fields a policy may test (and the custom attributes of the customer).
FIELDS: tuple[str, ...] = (
    "channel",
    "ticket.team",
    "ticket.priority",
    "customer.segment",
    "customer.key_account",
    "customer.organization",
    "customer.language",
)
ATTRIBUTE_PREFIX = "customer.attributes."
# A target longer than a year is a typo, not a service level.
MAX_MINUTES = 366 * 24 * 60


def _minutes(target: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_MINUTES:
        raise ValueError(
            _("targets.%(target)s.%(priority)s: minutes are a whole number from 1 to %(max)s, not %(value)r")
            % {"target": target, "priority": key, "max": MAX_MINUTES, "value": value}
        )
    return value


def _priority_key(target: str, key: Any) -> str:
    text = str(key).strip().lower()
    if text in PRIORITIES:
        return str(PRIORITIES[text])
    if text in PRIORITY_KEYS:
        return text
    raise ValueError(
        _("targets.%(target)s: %(key)r is not a priority (%(choices)s)")
        % {"target": target, "key": key, "choices": ", ".join(PRIORITY_KEYS)}
    )


def normalize_targets(targets: Any) -> dict[str, dict[str, int]]:
    """``{"first_response": {"4": 30, …}, …}`` as stored: known targets, priorities 1–4, minutes.

    A target or priority left out is not measured; a target with no priorities is dropped.
    Priority names (``"urgent"``) are accepted for their values.
    """
    if not isinstance(targets, dict):
        raise ValueError(_('targets map a target to minutes per priority, e.g. {"first_response": {"4": 30}}'))
    cleaned: dict[str, dict[str, int]] = {}
    for target, minutes in targets.items():
        if target not in TARGETS:
            raise ValueError(
                _("unknown target %(target)r; targets are %(choices)s")
                % {"target": target, "choices": ", ".join(TARGETS)}
            )
        if minutes is None:
            continue
        if not isinstance(minutes, dict):
            raise ValueError(
                _('targets.%(target)s maps priorities to minutes, e.g. {"1": 480, "4": 30}') % {"target": target}
            )
        per_priority: dict[str, int] = {}
        for key, value in minutes.items():
            per_priority[_priority_key(target, key)] = _minutes(target, str(key), value)
        if per_priority:
            cleaned[target] = {key: per_priority[key] for key in sorted(per_priority)}
    if not cleaned:
        raise ValueError(_("the policy measures nothing: give at least one target minutes for a priority"))
    return {target: cleaned[target] for target in TARGETS if target in cleaned}


def normalize_conditions(conditions: Any) -> list[dict[str, Any]]:
    """The conditions as stored (the routing rules' format), all of which must hold."""
    if conditions is None:
        return []
    if not isinstance(conditions, list):
        raise ValueError(_('conditions are a list of {"field", "op", "value"} objects'))
    cleaned = []
    for index, raw in enumerate(conditions):
        try:
            condition = Condition.model_validate(raw)
        except ValidationError as exc:
            reasons = "; ".join(m for messages in problems(exc).values() for m in messages)
            raise ValueError(_("conditions.%(index)s: %(reason)s") % {"index": index, "reason": reasons}) from None
        if condition.field not in FIELDS and not condition.field.startswith(ATTRIBUTE_PREFIX):
            raise ValueError(
                _("conditions.%(index)s: an SLA policy cannot test %(field)r; it can test %(fields)s")
                % {"index": index, "field": condition.field, "fields": ", ".join([*FIELDS, ATTRIBUTE_PREFIX + "…"])}
            )
        cleaned.append(condition.model_dump(mode="json"))
    return cleaned


def _calendar(calendar: Any) -> BusinessCalendar | None:
    if calendar is None or calendar == "":
        return None
    if isinstance(calendar, BusinessCalendar):
        return calendar
    number = None if isinstance(calendar, bool) else whole_number(str(calendar))
    if number is None:
        raise ValueError(_("calendar is a business calendar's id, or null for calendar time"))
    found = BusinessCalendar.objects.filter(pk=number).first()
    if found is None:
        raise ValueError(_("there is no business calendar with id %(id)s") % {"id": calendar})
    return found


def normalize_policy(
    *,
    name: Any,
    position: Any = None,
    calendar: Any = None,
    targets: Any,
    conditions: Any = (),
    enabled: Any = True,
) -> dict[str, Any]:
    """The fields of an ``SlaPolicy`` as they are saved; ``ValueError`` naming the problem.

    ``calendar``: a ``BusinessCalendar``, its id, or None for calendar time (every minute
    counts). ``position`` None: after the others (for a new policy) or where it is.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(_("the policy needs a name"))
    if len(name.strip()) > 100:
        raise ValueError(_("the name is longer than 100 characters"))
    if position is not None and (isinstance(position, bool) or not isinstance(position, int) or position < 0):
        raise ValueError(_("position is a whole number from 0"))
    if not isinstance(enabled, bool):
        raise ValueError(_("enabled is true or false"))
    return {
        "name": name.strip(),
        "position": position,
        "enabled": enabled,
        "calendar": _calendar(calendar),
        "targets": normalize_targets(targets),
        "conditions": normalize_conditions(list(conditions) if isinstance(conditions, tuple) else conditions),
    }


def minutes_for(targets: dict[str, Any], target: str, priority: int) -> int | None:
    """The minutes ``targets`` give ``target`` at ``priority``; None: not measured."""
    value = (targets.get(target) or {}).get(str(priority))
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
