"""The SLA policy editor: name, calendar, a grid of targets per priority, and conditions.

Targets are typed as durations ("30m", "4h", "2d", "1h 30m" or plain minutes; empty: not
measured), each cell checked on its own so an admin sees which one is wrong. Conditions reuse
the routing rules' rows (``ConditionRow``, its operators and value pickers), limited to the
fields a policy may test (``hub.sla.policies.FIELDS``). The checked values go through
``hub.sla.policies.normalize_policy``, whose problems are put back on their cell or row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.settings.forms.routing import FIELD_LABELS, ConditionRow
from hub.models import BusinessCalendar, Priority, SlaPolicy, SlaTarget
from hub.sla.policies import FIELDS, MAX_MINUTES, PRIORITY_KEYS, TARGETS
from hub.text import whole_number

TARGET_HELP: dict[str, str | Promise] = {
    SlaTarget.FIRST_RESPONSE: gettext_lazy("From the customer's first message to the first reply."),
    SlaTarget.NEXT_RESPONSE: gettext_lazy("From the customer's next message to the reply to it."),
    SlaTarget.RESOLUTION: gettext_lazy("From the first message until the ticket is solved."),
}
_UNITS = {
    "": 1,
    "m": 1,
    "min": 1,
    "mins": 1,
    "minute": 1,
    "minutes": 1,
    "minuten": 1,
    "h": 60,
    "std": 60,
    "hour": 60,
    "hours": 60,
    "stunde": 60,
    "stunden": 60,
    "d": 1440,
    "t": 1440,
    "tg": 1440,
    "day": 1440,
    "days": 1440,
    "tag": 1440,
    "tage": 1440,
}
MAX_TEXT = 20  # "1d 23h 59m" and then some; longer is no duration
_PART = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*([a-z]*)\.?\s*")


def parse_duration(text: str) -> int | None:
    """Minutes from "30m", "4h", "2d", "1h 30m", "1,5h" or "90"; None for empty.

    ValueError with a sentence for the admin when it is not a duration or out of range.
    """
    value = text.strip().lower()
    if not value:
        return None
    parts: list[tuple[str, str]] = []
    position = 0
    while position < len(value):  # token by token: linear whatever is typed
        match = _PART.match(value, position)
        if match is None:
            parts = []
            break
        parts.append((match.group(1), match.group(2)))
        position = match.end()
    if len(value) > MAX_TEXT or not parts or any(unit not in _UNITS for _number, unit in parts):
        shown = text.strip()[:MAX_TEXT]
        raise ValueError(_("“%(text)s” is not a duration: write minutes, or e.g. 30m, 4h, 2d.") % {"text": shown})
    minutes = sum(float(number.replace(",", ".")) * _UNITS[unit] for number, unit in parts)
    if minutes != int(minutes):
        raise ValueError(_("“%(text)s” is not a whole number of minutes.") % {"text": text})
    if not 0 < minutes <= MAX_MINUTES:
        raise ValueError(_("A target lies between 1 minute and 366 days."))
    return int(minutes)


def format_duration(minutes: int) -> str:
    """Stored minutes as the grid shows them: ``2d``, ``4h``, ``1h 30m``, ``45m``."""
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    parts += [f"{hours}h"] if hours else []
    parts += [f"{mins}m"] if mins else []
    return " ".join(parts) or "0m"


@dataclass
class Cell:
    target: str
    priority: str
    priority_label: str | Promise = ""
    text: str = ""
    errors: list[str] = dc_field(default_factory=list)

    @property
    def name(self) -> str:
        return f"t-{self.target}-{self.priority}"


@dataclass
class TargetRow:
    target: str
    label: str | Promise
    help: str | Promise
    cells: list[Cell]


def _grid(targets: dict[str, Any] | None = None) -> list[TargetRow]:
    labels = dict(SlaTarget.choices)
    priority_labels = dict(priorities())
    rows = []
    for target in TARGETS:
        stored = (targets or {}).get(target) or {}
        cells = []
        for key in PRIORITY_KEYS:
            minutes = stored.get(key)
            shown = format_duration(minutes) if isinstance(minutes, int) and not isinstance(minutes, bool) else ""
            cells.append(Cell(target, key, priority_labels.get(key, key), shown))
        rows.append(TargetRow(target, labels[target], TARGET_HELP.get(target, ""), cells))
    return rows


def priorities() -> list[tuple[str, str | Promise]]:
    return [(str(p.value), p.label) for p in Priority]


def condition_fields() -> list[tuple[str, str | Promise]]:
    return [(name, FIELD_LABELS.get(name, name)) for name in FIELDS]


@dataclass
class PolicyDraft:
    """What the admin entered, and the problems found, by cell and row."""

    name: str = ""
    enabled: bool = True
    calendar: str = ""  # a BusinessCalendar's id, "" for calendar time
    grid: list[TargetRow] = dc_field(default_factory=_grid)
    conditions: list[ConditionRow] = dc_field(default_factory=list)
    errors: list[str] = dc_field(default_factory=list)
    name_errors: list[str] = dc_field(default_factory=list)
    calendar_errors: list[str] = dc_field(default_factory=list)

    @classmethod
    def of_policy(cls, policy: SlaPolicy) -> PolicyDraft:
        return cls(
            name=policy.name,
            enabled=policy.enabled,
            calendar=str(policy.calendar_id or ""),
            grid=_grid(policy.targets if isinstance(policy.targets, dict) else {}),
            conditions=[ConditionRow.of(c) for c in policy.conditions or [] if isinstance(c, dict)],
        )

    @classmethod
    def of_post(cls, data: QueryDict) -> PolicyDraft:
        grid = _grid()
        for target_row in grid:
            for cell in target_row.cells:
                cell.text = data.get(cell.name, "").strip()
        draft = cls(
            name=data.get("name", "").strip(),
            enabled=data.get("enabled") == "on",
            calendar=data.get("calendar", "").strip(),
            grid=grid,
        )
        for n in range(_count(data.get("conditions"))):
            if f"cond-{n}-field" not in data or data.get("remove_condition") == str(n):
                continue
            row = ConditionRow(
                data.get(f"cond-{n}-field", ""), data.get(f"cond-{n}-op", ""), data.get(f"cond-{n}-value", "")
            )
            if row.op not in [op for op, _label in row.ops]:
                row.op = row.ops[0][0]  # the field changed: its first operator
            draft.conditions.append(row)
        if "add_condition" in data:
            draft.conditions.append(ConditionRow(field="ticket.priority", op="equals", value="urgent"))
        return draft

    def targets(self) -> dict[str, dict[str, int]] | None:
        """The grid as stored minutes, or None after putting each cell's problem on it."""
        found: dict[str, dict[str, int]] = {}
        ok = True
        for row in self.grid:
            for cell in row.cells:
                try:
                    minutes = parse_duration(cell.text)
                except ValueError as exc:
                    cell.errors.append(str(exc))
                    ok = False
                    continue
                if minutes is not None:
                    found.setdefault(row.target, {})[cell.priority] = minutes
        return found if ok else None

    def calendar_choice(self) -> BusinessCalendar | bool | None:
        """The chosen calendar, None for calendar time, False (with an error) for a stale choice."""
        if not self.calendar:
            return None
        number = whole_number(self.calendar)
        found = BusinessCalendar.objects.filter(pk=number).first() if number is not None else None
        if found is None:
            self.calendar_errors.append(_("This calendar no longer exists; choose another."))
            return False
        return found

    def place(self, message: str) -> None:
        """Put a problem ``normalize_policy`` named (``targets.x.4: …``, ``conditions.1: …``) where it belongs."""
        where, _sep, text = message.partition(": ")
        parts = where.split(".")
        if parts[0] == "conditions" and len(parts) == 2 and parts[1].isdigit() and int(parts[1]) < len(self.conditions):
            self.conditions[int(parts[1])].errors.append(text)
            return
        if parts[0] == "targets" and len(parts) == 3:
            for row in self.grid:
                for cell in row.cells:
                    if (cell.target, cell.priority) == (parts[1], parts[2]):
                        cell.errors.append(text)
                        return
        if "name" in message:
            self.name_errors.append(message)
            return
        self.errors.append(message)

    @property
    def has_cell_errors(self) -> bool:
        return any(cell.errors for row in self.grid for cell in row.cells)


def _count(value: str | None) -> int:
    try:
        return max(0, min(int(value or 0), 50))
    except ValueError:
        return 0


def summary(policy: SlaPolicy) -> str:
    """The targets in one line for the list: "First response 4h / 2h / 1h / 30m"."""
    labels = dict(SlaTarget.choices)
    parts = []
    targets = policy.targets if isinstance(policy.targets, dict) else {}
    for target in TARGETS:
        per = targets.get(target) or {}
        if not per:
            continue
        cells = [format_duration(per[k]) if k in per else "–" for k in PRIORITY_KEYS]
        parts.append(f"{labels[target]} {' / '.join(cells)}")
    return " · ".join(parts)
