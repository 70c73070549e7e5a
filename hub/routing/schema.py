"""The typed form of a routing rule's JSON: conditions, actions, triggers and timer (pydantic).

A condition is ``{"field": "subject", "op": "contains", "value": "Rechnung"}``; an action is
``{"type": "set_team", "value": "billing"}``. ``RuleSpec`` validates a whole rule and names the
part that is wrong (``conditions.1.value: …``), so the API and the settings screen can say
which condition to fix. Whether a named team or agent exists is the database's question:
``hub.routing.references`` asks it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

import regex
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hub.models.routing import Match, Trigger
from hub.models.tickets import Priority, TicketStatus
from hub.text import whole_number

# A pattern longer than this is refused; matching is bounded in time as well (``MATCH_TIMEOUT``).
MAX_PATTERN = 500
# Seconds one ``matches`` condition may take on one message before it counts as not matching.
MATCH_TIMEOUT = 0.05


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOL = "bool"
    TAGS = "tags"  # a set of names: contains = has the tag
    CHOICE = "choice"  # a closed set of values (status, business hours)


OPS: dict[Kind, tuple[str, ...]] = {
    Kind.TEXT: ("equals", "not_equals", "contains", "not_contains", "matches", "in"),
    Kind.NUMBER: ("equals", "not_equals", "gt", "lt", "in"),
    Kind.BOOL: ("equals", "not_equals"),
    Kind.TAGS: ("contains", "not_contains", "in"),
    Kind.CHOICE: ("equals", "not_equals", "in"),
}

# Every field a condition can test, with its kind and, for the settings screen, its description.
FIELDS: dict[str, tuple[Kind, str]] = {
    "channel": (Kind.TEXT, "The channel the message came in on: email, chat, web, phone, sms, …"),
    "entry_point": (Kind.TEXT, "The mailbox address, widget id, form slug or phone number it arrived at"),
    "mailbox": (Kind.TEXT, "The mailbox address a mail arrived at"),
    "widget": (Kind.TEXT, "The chat widget's id"),
    "form": (Kind.TEXT, "The web form's slug"),
    "phone_number": (Kind.TEXT, "Our phone number that was called or texted"),
    "subject": (Kind.TEXT, "The message's subject"),
    "body": (Kind.TEXT, "The message's text"),
    "from": (Kind.TEXT, "The sender's address or number"),
    "from_domain": (Kind.TEXT, "The domain of the sender's mail address"),
    "customer.organization": (Kind.TEXT, "The name of the customer's organization"),
    "customer.key_account": (Kind.BOOL, "The customer is a VIP or their organization a key account"),
    "customer.segment": (Kind.TEXT, "The customer's segment"),
    "customer.language": (Kind.TEXT, "The customer's language (de, en, …)"),
    "ticket.priority": (Kind.NUMBER, "The ticket's priority: low, normal, high, urgent (1–4)"),
    "ticket.tags": (Kind.TAGS, "The ticket's tags"),
    "ticket.status": (Kind.CHOICE, "The ticket's status"),
    "ticket.team": (Kind.TEXT, "The slug of the ticket's team"),
    "language": (Kind.TEXT, "The language detected in the conversation"),
    "sentiment": (Kind.NUMBER, "The detected sentiment, from -1 (angry) to 1 (happy)"),
    "business_hours": (Kind.CHOICE, "inside or outside the business hours of the ticket's team"),
}
# Fields named by a prefix: a custom customer attribute, a field of the external lookup's answer.
PREFIXES: dict[str, tuple[Kind, str]] = {
    "customer.attributes.": (Kind.TEXT, "A custom attribute of the customer"),
    "external.": (Kind.TEXT, "A field of the external lookup's answer (CRM, shop)"),
}
CHOICES: dict[str, tuple[str, ...]] = {
    "ticket.status": tuple(TicketStatus.values),
    "business_hours": ("inside", "outside"),
}
PRIORITIES = {str(p.name).lower(): int(p.value) for p in Priority}


def field_kind(name: str) -> Kind | None:
    if name in FIELDS:
        return FIELDS[name][0]
    for prefix, (kind, _help) in PREFIXES.items():
        if name.startswith(prefix) and len(name) > len(prefix):
            return kind
    return None


def _priority(value: Any) -> int:
    if isinstance(value, str) and value.strip().lower() in PRIORITIES:
        return PRIORITIES[value.strip().lower()]
    number = whole_number(str(value).strip()) if isinstance(value, int | str) and not isinstance(value, bool) else None
    if number is not None and number in Priority.values:
        return number
    choices = ", ".join(PRIORITIES)
    raise ValueError(_("not a priority: %(value)r (one of %(choices)s)") % {"value": value, "choices": choices})


# The regex module's words for the mistakes admins make, in the reader's language; any other
# is shown as the module words it.
_REGEX_MISTAKES = {
    "unterminated character set": gettext_noop("a [ without its ]"),
    "missing )": gettext_noop("a ( without its )"),
    "unbalanced parenthesis": gettext_noop("a ) without its ("),
    "nothing to repeat": gettext_noop("*, + or ? with nothing before it to repeat"),
    "multiple repeat": gettext_noop("two repeats in a row (such as **)"),
    "bad escape (end of pattern)": gettext_noop("a \\ at the very end"),
    "bad character range": gettext_noop("a range whose end comes before its start (such as z-a)"),
    "min repeat greater than max repeat": gettext_noop("a {min,max} whose min is larger than its max"),
}


def compile_pattern(pattern: str) -> regex.Pattern[str]:
    """The compiled pattern (case-insensitive), or ValueError saying what is wrong with it."""
    if len(pattern) > MAX_PATTERN:
        raise ValueError(_("the regular expression is longer than %(n)s characters") % {"n": MAX_PATTERN})
    try:
        return regex.compile(pattern, regex.IGNORECASE | regex.V0)
    except regex.error as exc:
        said = str(getattr(exc, "msg", "") or exc)
        mistake = _(_REGEX_MISTAKES[said]) if said in _REGEX_MISTAKES else said
        position = getattr(exc, "pos", None)
        if position is None:
            raise ValueError(_("not a valid regular expression: %(error)s") % {"error": mistake}) from None
        raise ValueError(
            _("not a valid regular expression: %(error)s, at character %(position)s")
            % {"error": mistake, "position": position + 1}
        ) from None


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str
    op: Literal["equals", "not_equals", "contains", "not_contains", "matches", "in", "gt", "lt"]
    value: Any = None

    @model_validator(mode="after")
    def _fits(self) -> Condition:
        kind = field_kind(self.field)
        if kind is None:
            raise ValueError(_("unknown field %(field)r") % {"field": self.field})
        if self.op not in OPS[kind]:
            raise ValueError(
                _("%(field)s cannot be tested with %(op)r; use one of %(ops)s")
                % {"field": self.field, "op": self.op, "ops": ", ".join(OPS[kind])}
            )
        values = self.value if self.op == "in" else [self.value]
        if self.op == "in" and (not isinstance(self.value, list) or not self.value):
            raise ValueError(_("'in' takes a non-empty list of values"))
        for value in values:
            self._check(kind, value)
        return self

    def _check(self, kind: Kind, value: Any) -> None:
        if kind is Kind.BOOL:
            if not isinstance(value, bool):
                raise ValueError(_("%(field)s is true or false, not %(value)r") % {"field": self.field, "value": value})
        elif kind is Kind.NUMBER:
            if self.field == "ticket.priority":
                _priority(value)
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(
                    _("%(field)s is compared with a number, not %(value)r") % {"field": self.field, "value": value}
                )
        elif kind is Kind.CHOICE:
            if value not in CHOICES[self.field]:
                raise ValueError(
                    _("%(field)s is one of %(choices)s, not %(value)r")
                    % {"field": self.field, "choices": ", ".join(CHOICES[self.field]), "value": value}
                )
        elif not isinstance(value, str) or (not value and self.op in ("contains", "not_contains", "matches")):
            raise ValueError(
                _("%(field)s %(op)s needs a non-empty text, not %(value)r")
                % {"field": self.field, "op": self.op, "value": value}
            )
        elif self.op == "matches":
            compile_pattern(value)


class ActionType(StrEnum):
    SET_TEAM = "set_team"
    ASSIGN = "assign"
    SET_PRIORITY = "set_priority"
    ADD_TAGS = "add_tags"
    REMOVE_TAGS = "remove_tags"
    SET_STATUS = "set_status"
    SET_SLA_POLICY = "set_sla_policy"
    REQUIRE_SKILLS = "require_skills"
    AUTO_REPLY = "auto_reply"
    ADD_NOTE = "add_note"
    NOTIFY = "notify"
    MARK_SPAM = "mark_spam"
    STOP = "stop"


ACTION_HELP: dict[ActionType, str] = {
    ActionType.SET_TEAM: "value: a team's slug",
    ActionType.ASSIGN: "value: an agent's id, or \"team\" for the team's assignment strategy",
    ActionType.SET_PRIORITY: "value: low, normal, high or urgent",
    ActionType.ADD_TAGS: "value: a list of tag names",
    ActionType.REMOVE_TAGS: "value: a list of tag names",
    ActionType.SET_STATUS: "value: a ticket status",
    ActionType.SET_SLA_POLICY: "value: an SLA policy's name (or id): it measures the ticket from now on",
    ActionType.REQUIRE_SKILLS: "value: skills an agent must have for the skills strategy",
    ActionType.AUTO_REPLY: 'value: {"de": text, "en": text, "subject": optional}: in the customer\'s language',
    ActionType.ADD_NOTE: "value: the note's text",
    ActionType.NOTIFY: 'value: {"agents": [ids], "teams": [slugs]}: an in-app notice',
    ActionType.MARK_SPAM: "no value: tags the ticket spam and closes it",
    ActionType.STOP: "no value: no later rule runs",
}


class Notify(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agents: tuple[int, ...] = ()
    teams: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _someone(self) -> Notify:
        if not self.agents and not self.teams:
            raise ValueError(_("notify names no agent and no team"))
        return self


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    type: ActionType
    value: Any = None

    @model_validator(mode="after")
    def _fits(self) -> Action:
        t, v = self.type, self.value
        if t in (ActionType.SET_TEAM, ActionType.SET_SLA_POLICY, ActionType.ADD_NOTE):
            if not isinstance(v, str) or not v.strip():
                raise ValueError(_("%(action)s needs a non-empty text value") % {"action": t})
        elif t is ActionType.ASSIGN:
            if v != "team" and (isinstance(v, bool) or not isinstance(v, int) or v <= 0):
                raise ValueError(_('assign takes an agent\'s id or "team"'))
        elif t is ActionType.SET_PRIORITY:
            object.__setattr__(self, "value", _priority(v))
        elif t in (ActionType.ADD_TAGS, ActionType.REMOVE_TAGS, ActionType.REQUIRE_SKILLS):
            names = [v] if isinstance(v, str) else v
            if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
                raise ValueError(_("%(action)s takes a list of names") % {"action": t})
            object.__setattr__(self, "value", tuple(n.strip().lower()[:64] for n in names))
        elif t is ActionType.SET_STATUS:
            if v not in TicketStatus.values:
                raise ValueError(
                    _("set_status takes one of %(choices)s, not %(value)r")
                    % {"choices": ", ".join(TicketStatus.values), "value": v}
                )
        elif t is ActionType.AUTO_REPLY:
            if not isinstance(v, dict) or not any(isinstance(v.get(lang), str) and v[lang].strip() for lang in v):
                raise ValueError(_('auto_reply takes {"de": text, "en": text, …} with at least one text'))
            if not all(isinstance(text, str) for text in v.values()):
                raise ValueError(_("auto_reply's texts must be texts"))
        elif t is ActionType.NOTIFY:
            object.__setattr__(self, "value", Notify.model_validate(v if isinstance(v, dict) else {}))
        elif v not in (None, "", True):
            raise ValueError(_("%(action)s takes no value") % {"action": t})
        return self


class Timer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["no_agent_reply", "waiting_on_customer"]
    minutes: Annotated[int, Field(gt=0, le=60 * 24 * 60)] | None = None  # business minutes
    days: Annotated[int, Field(gt=0, le=365)] | None = None

    @model_validator(mode="after")
    def _span(self) -> Timer:
        if self.kind == "no_agent_reply" and self.minutes is None:
            raise ValueError(_("no_agent_reply takes minutes (business minutes)"))
        if self.kind == "waiting_on_customer" and self.days is None:
            raise ValueError(_("waiting_on_customer takes days"))
        return self


class RuleSpec(BaseModel):
    """A whole rule as the API and the settings screen send it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: Annotated[str, Field(min_length=1, max_length=200)]
    enabled: bool = True
    match: Match = Match.ALL
    conditions: tuple[Condition, ...] = ()
    actions: Annotated[tuple[Action, ...], Field(min_length=1)]
    stop: bool = False
    triggers: tuple[Trigger, ...] = ()
    timer: Timer | None = None

    @field_validator("triggers")
    @classmethod
    def _once(cls, value: tuple[Trigger, ...]) -> tuple[Trigger, ...]:
        return tuple(dict.fromkeys(value))

    @model_validator(mode="after")
    def _runs(self) -> RuleSpec:
        if not self.triggers and self.timer is None:
            raise ValueError(_("the rule never runs: give it a trigger or a timer"))
        return self


def problems(error: ValidationError) -> dict[str, list[str]]:
    """Pydantic's errors keyed by where they are (``conditions.1``), in words for an admin."""
    found: dict[str, list[str]] = {}
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "rule"
        message = str(item["msg"]).removeprefix("Value error, ")
        found.setdefault(where, []).append(message)
    return found
