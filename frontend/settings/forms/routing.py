"""The routing rule builder: the form's rows, their choices in words, and the rule they make.

The form posts indexed fields (``cond-0-field``, ``act-1-type``, …); ``RuleDraft`` reads them,
turns them into the rule's JSON for ``hub.routing.schema.RuleSpec`` and puts its problems back
on the row they belong to. Choices come from the database (teams, agents), never typed JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from django.http import QueryDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hub.models import Agent, Priority, RoutingRule, Team, TicketStatus, Trigger
from hub.routing.schema import FIELDS, OPS, ActionType, Kind, field_kind

FIELD_LABELS: dict[str, str | Promise] = {
    "channel": _("Channel"),
    "entry_point": _("Entry point (any)"),
    "mailbox": _("Mailbox address"),
    "widget": _("Chat widget"),
    "form": _("Web form"),
    "phone_number": _("Phone number called"),
    "subject": _("Subject"),
    "body": _("Message text"),
    "from": _("Sender address or number"),
    "from_domain": _("Sender's mail domain"),
    "customer.organization": _("Customer's organization"),
    "customer.key_account": _("Key account customer"),
    "customer.segment": _("Customer segment"),
    "customer.language": _("Customer's language"),
    "ticket.priority": _("Ticket priority"),
    "ticket.tags": _("Ticket tags"),
    "ticket.status": _("Ticket status"),
    "ticket.team": _("Ticket team"),
    "language": _("Detected language"),
    "sentiment": _("Sentiment (-1 to 1)"),
    "business_hours": _("Business hours of the team"),
}
OP_LABELS: dict[str, str | Promise] = {
    "equals": _("is"),
    "not_equals": _("is not"),
    "contains": _("contains"),
    "not_contains": _("does not contain"),
    "matches": _("matches the pattern"),
    "in": _("is one of (comma-separated)"),
    "gt": _("is greater than"),
    "lt": _("is less than"),
}
ACTION_LABELS: dict[str, str | Promise] = {
    ActionType.SET_TEAM: _("Move to team"),
    ActionType.ASSIGN: _("Assign to"),
    ActionType.SET_PRIORITY: _("Set priority"),
    ActionType.ADD_TAGS: _("Add tags"),
    ActionType.REMOVE_TAGS: _("Remove tags"),
    ActionType.SET_STATUS: _("Set status"),
    ActionType.REQUIRE_SKILLS: _("Require skills"),
    ActionType.SET_SLA_POLICY: _("Set SLA policy"),
    ActionType.AUTO_REPLY: _("Send an automatic reply"),
    ActionType.ADD_NOTE: _("Add an internal note"),
    ActionType.NOTIFY: _("Notify"),
    ActionType.MARK_SPAM: _("Mark as spam"),
    ActionType.STOP: _("Stop: no later rule runs"),
}
TIMER_LABELS: dict[str, str | Promise] = {
    "": _("No timer"),
    "no_agent_reply": _("No agent reply for … business minutes"),
    "waiting_on_customer": _("Waiting on the customer for … days"),
}
# Fields whose value is picked from a list rather than typed.
BOOL_CHOICES = [("true", _("yes")), ("false", _("no"))]
HOURS_CHOICES = [("inside", _("inside")), ("outside", _("outside"))]
LIST_ACTIONS = (ActionType.ADD_TAGS, ActionType.REMOVE_TAGS, ActionType.REQUIRE_SKILLS)
TEXT_ACTIONS = (ActionType.SET_SLA_POLICY, ActionType.ADD_NOTE)


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


@dataclass
class ConditionRow:
    field: str = "subject"
    op: str = "contains"
    value: str = ""
    errors: list[str] = dc_field(default_factory=list)

    @property
    def kind(self) -> Kind:
        return field_kind(self.field) or Kind.TEXT

    @property
    def ops(self) -> list[tuple[str, str | Promise]]:
        return [(op, OP_LABELS[op]) for op in OPS[self.kind]]

    def choices(self) -> list[tuple[str, Any]] | None:
        """The values to pick from for this field, or None for a typed one."""
        if self.op == "in":
            return None
        if self.kind is Kind.BOOL:
            return BOOL_CHOICES
        if self.field == "business_hours":
            return HOURS_CHOICES
        if self.field == "ticket.status":
            return list(TicketStatus.choices)
        if self.field == "ticket.priority":
            return [(str(p.name).lower(), p.label) for p in Priority]
        if self.field == "ticket.team":
            return list(Team.objects.order_by("name").values_list("slug", "name"))
        return None

    def json(self) -> dict[str, Any]:
        value: Any = self.value.strip()
        if self.op == "in":
            value = _names(self.value)
            if self.kind is Kind.NUMBER and self.field != "ticket.priority":
                value = [_number(v) for v in value]
        elif self.kind is Kind.BOOL:
            value = {"true": True, "false": False}.get(value, value)
        elif self.kind is Kind.NUMBER and self.field != "ticket.priority":
            value = _number(value)
        return {"field": self.field, "op": self.op, "value": value}

    @classmethod
    def of(cls, data: dict[str, Any]) -> ConditionRow:
        value = data.get("value")
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            shown = "true" if value else "false"
        else:
            shown = "" if value is None else str(value)
        if data.get("field") == "ticket.priority" and str(shown).isdigit():
            shown = str(Priority(int(shown)).name).lower()
        return cls(str(data.get("field", "")), str(data.get("op", "")), shown, [])


def _number(text: str) -> Any:
    """A number as typed, with a decimal point or a German comma ("-0,5"); else the text, which
    the schema refuses with a message."""
    plain = text.strip()
    if re.fullmatch(r"[-+]?\d+,\d+", plain):
        plain = plain.replace(",", ".")
    try:
        return float(plain) if "." in plain else int(plain)
    except ValueError:
        return text


@dataclass
class ActionRow:
    type: str = ActionType.SET_TEAM
    value: str = ""
    de: str = ""
    en: str = ""
    team: str = ""
    agent: str = ""
    errors: list[str] = dc_field(default_factory=list)

    def json(self) -> dict[str, Any]:
        t = self.type
        value: Any = self.value.strip()
        if t == ActionType.SET_TEAM:
            value = self.team
        elif t == ActionType.ASSIGN:
            value = "team" if self.agent in ("", "team") else _number(self.agent)
        elif t in LIST_ACTIONS:
            value = _names(self.value)
        elif t == ActionType.AUTO_REPLY:
            value = {lang: text for lang, text in (("de", self.de), ("en", self.en)) if text.strip()}
        elif t == ActionType.NOTIFY:
            value = {"teams": [self.team] if self.team else [], "agents": [_number(self.agent)] if self.agent else []}
        elif t in (ActionType.MARK_SPAM, ActionType.STOP):
            value = None
        return {"type": t, "value": value}

    @classmethod
    def of(cls, data: dict[str, Any]) -> ActionRow:
        t, v = str(data.get("type", "")), data.get("value")
        row = cls(type=t)
        if t == ActionType.SET_TEAM:
            row.team = str(v or "")
        elif t == ActionType.ASSIGN:
            row.agent = str(v or "team")
        elif t == ActionType.SET_PRIORITY:
            row.value = str(Priority(int(str(v))).name).lower() if str(v).isdigit() else str(v or "")
        elif isinstance(v, list):
            row.value = ", ".join(str(x) for x in v)
        elif t == ActionType.AUTO_REPLY and isinstance(v, dict):
            row.de, row.en = str(v.get("de", "")), str(v.get("en", ""))
        elif t == ActionType.NOTIFY and isinstance(v, dict):
            row.team = next(iter(v.get("teams") or []), "")
            row.agent = str(next(iter(v.get("agents") or []), ""))
        else:
            row.value = "" if v is None else str(v)
        return row


@dataclass
class RuleDraft:
    """The builder's state: what the admin entered, and the problems found, by place."""

    name: str = ""
    enabled: bool = True
    match: str = "all"
    stop: bool = False
    triggers: list[str] = dc_field(default_factory=lambda: [Trigger.TICKET_CREATED.value])
    timer_kind: str = ""
    timer_amount: str = ""
    conditions: list[ConditionRow] = dc_field(default_factory=list)
    actions: list[ActionRow] = dc_field(default_factory=lambda: [ActionRow()])
    errors: list[str] = dc_field(default_factory=list)  # about the rule as a whole

    @classmethod
    def of_rule(cls, rule: RoutingRule) -> RuleDraft:
        timer = rule.timer or {}
        return cls(
            name=rule.name,
            enabled=rule.enabled,
            match=rule.match,
            stop=rule.stop,
            triggers=list(rule.triggers or []),
            timer_kind=str(timer.get("kind", "")),
            timer_amount=str(timer.get("minutes") or timer.get("days") or ""),
            conditions=[ConditionRow.of(c) for c in rule.conditions or [] if isinstance(c, dict)],
            actions=[ActionRow.of(a) for a in rule.actions or [] if isinstance(a, dict)],
        )

    @classmethod
    def of_post(cls, data: QueryDict) -> RuleDraft:
        draft = cls(
            name=data.get("name", "").strip(),
            enabled=data.get("enabled") == "on",
            match=data.get("match", "all"),
            stop=data.get("stop") == "on",
            triggers=data.getlist("triggers"),
            timer_kind=data.get("timer_kind", ""),
            timer_amount=data.get("timer_amount", "").strip(),
            conditions=[],
            actions=[],
        )
        for n in range(int(data.get("conditions", 0) or 0)):
            if f"cond-{n}-field" not in data or data.get("remove_condition") == str(n):
                continue
            row = ConditionRow(
                data.get(f"cond-{n}-field", ""), data.get(f"cond-{n}-op", ""), data.get(f"cond-{n}-value", "")
            )
            if row.kind and row.op not in OPS[row.kind]:
                row.op = OPS[row.kind][0]  # the field changed: its first operator
            draft.conditions.append(row)
        for n in range(int(data.get("actions", 0) or 0)):
            if f"act-{n}-type" not in data or data.get("remove_action") == str(n):
                continue
            draft.actions.append(
                ActionRow(
                    type=data.get(f"act-{n}-type", ""),
                    value=data.get(f"act-{n}-value", ""),
                    de=data.get(f"act-{n}-de", ""),
                    en=data.get(f"act-{n}-en", ""),
                    team=data.get(f"act-{n}-team", ""),
                    agent=data.get(f"act-{n}-agent", ""),
                )
            )
        if "add_condition" in data:
            draft.conditions.append(ConditionRow())
        if "add_action" in data:
            draft.actions.append(ActionRow(type=ActionType.ADD_TAGS))
        return draft

    def json(self) -> dict[str, Any]:
        timer: dict[str, Any] | None = None
        if self.timer_kind:
            unit = "minutes" if self.timer_kind == "no_agent_reply" else "days"
            timer = {"kind": self.timer_kind, unit: _number(self.timer_amount) if self.timer_amount else None}
        return {
            "name": self.name,
            "enabled": self.enabled,
            "match": self.match,
            "stop": self.stop,
            "triggers": self.triggers,
            "timer": timer,
            "conditions": [row.json() for row in self.conditions],
            "actions": [row.json() for row in self.actions],
        }

    def place(self, found: dict[str, list[str]]) -> None:
        """Put each problem on its row (``conditions.1…`` on the second condition), the rest on top."""
        for where, messages in found.items():
            parts = where.split(".")
            if parts[0] in ("conditions", "actions") and len(parts) > 1 and parts[1].isdigit():
                rows: list[Any] = self.conditions if parts[0] == "conditions" else self.actions
                index = int(parts[1])
                if index < len(rows):
                    rows[index].errors.extend(_worded(rows[index], m) for m in messages)
                    continue
            label = {"name": _("Name"), "timer": _("Timer"), "actions": _("Actions")}.get(parts[0])
            self.errors.extend(f"{label}: {m}" if label else m for m in messages)


def _worded(row: Any, message: str) -> str:
    """The schema names a condition's field by its key ("sentiment …"); the row's by its label."""
    key = getattr(row, "field", "")
    if isinstance(row, ConditionRow) and key and message.startswith(f"{key} "):
        return f"{FIELD_LABELS.get(key, key)}{message[len(key) :]}"
    return message


def choices() -> dict[str, Any]:
    """What the builder's selects offer, from the database and the vocabulary."""
    return {
        "fields": [(name, FIELD_LABELS.get(name, name)) for name in FIELDS],
        "field_names": list(FIELDS),
        "action_types": list(ACTION_LABELS.items()),
        "triggers": list(Trigger.choices),
        "timers": list(TIMER_LABELS.items()),
        "teams": list(Team.objects.order_by("name").values_list("slug", "name")),
        "agents": [(a.pk, a.name) for a in Agent.objects.select_related("user").filter(integration=False)],
        "priorities": [(str(p.name).lower(), p.label) for p in Priority],
        "statuses": list(TicketStatus.choices),
        "list_actions": [str(t) for t in LIST_ACTIONS],
        "text_actions": [str(t) for t in TEXT_ACTIONS],
    }
