"""Compiled rules and their evaluation, in memory.

A ``RuleSet`` is compiled once per process from the enabled rules (``hub.routing.cache``):
each condition becomes a closure over its parsed value, so evaluating 200 rules for a message
is a few hundred function calls and no query. ``RuleSet.run`` walks the rules of one trigger
in order, applies each matching rule's actions to an ``Outcome`` (later rules see the ticket as
the earlier ones left it) and stops after a rule with ``stop``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import regex

from hub.business_time import ALWAYS, Calendar
from hub.models import Agent, ExternalLookup, RoutingRule, Team, TicketStatus
from hub.routing import words
from hub.routing.facts import Facts
from hub.routing.schema import (
    MATCH_TIMEOUT,
    Action,
    ActionType,
    Condition,
    Notify,
    RuleSpec,
    Timer,
    _priority,
    compile_pattern,
)

log = logging.getLogger(__name__)

# A ``matches`` condition that runs out of time this often is skipped (as not matching) until
# the rules are loaded again: one bad pattern costs a few timeouts, not one on every message.
TIMEOUTS_BEFORE_SKIPPING = 3

Test = Callable[[Facts], bool]
# One trigger, or several at once (a reply that reopened its ticket).
Triggers = str | tuple[str, ...]


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


# Patterns a union could change the meaning of: backreferences (their group numbers shift) and
# inline flags (``(?x)`` inside an alternation would apply to every other pattern).
_NOT_UNITABLE = regex.compile(r"\\[1-9]|\\g<|\(\?P=|\(\?(?!P<|:|=|!|<=|<!|>)")


class PatternGate:
    """Every ``matches`` pattern of the rule set on one field, searched as one alternation.

    Most messages match none of a rule set's patterns; then one search answers for all of them
    and each pattern test says no without its own search. When the union finds something (or
    runs out of time), each test searches as before. Patterns ``_NOT_UNITABLE`` get no gate.
    """

    def __init__(self, name: str, union: regex.Pattern[str]) -> None:
        self.name, self.union = name, union

    @classmethod
    def over(cls, tests: list[PatternTest]) -> None:
        """Give the unitable ``tests`` of each field a shared gate (two or more per field)."""
        by_field: dict[str, list[PatternTest]] = {}
        for test in tests:
            if not _NOT_UNITABLE.search(test.pattern.pattern):
                by_field.setdefault(test.name, []).append(test)
        for name, group in by_field.items():
            if len(group) < 2:
                continue
            try:
                union = regex.compile("|".join(f"(?:{t.pattern.pattern})" for t in group), regex.IGNORECASE | regex.V0)
            except regex.error:  # e.g. two patterns naming a group alike
                continue
            gate = cls(name, union)
            for test in group:
                test.gate = gate

    def possible(self, facts: Facts) -> bool:
        """Whether any pattern of the gate can match this message's field (once per message)."""
        known = facts.gates.get(self.name)
        if known is None:
            value = facts.get(self.name)
            try:
                known = isinstance(value, str) and self.union.search(value, timeout=MATCH_TIMEOUT) is not None
            except TimeoutError:
                known = True  # each pattern decides alone, within its own limit
            facts.gates[self.name] = known
        return known


class PatternTest:
    """A ``matches`` condition: a search bounded by ``MATCH_TIMEOUT``, skipped after repeated timeouts."""

    def __init__(self, name: str, pattern: regex.Pattern[str], rule: str) -> None:
        self.name, self.pattern, self.rule = name, pattern, rule
        self.timeouts = 0
        self.gate: PatternGate | None = None

    def __call__(self, facts: Facts) -> bool:
        if self.gate is not None and not self.gate.possible(facts):
            return False
        value = facts.get(self.name)
        if not isinstance(value, str) or self.timeouts >= TIMEOUTS_BEFORE_SKIPPING:
            return False
        try:
            return self.pattern.search(value, timeout=MATCH_TIMEOUT) is not None
        except TimeoutError:
            self.timeouts += 1
            log.warning(
                "routing rule %r: the pattern %r on %s ran out of time (%s of %s before it is skipped)",
                self.rule,
                self.pattern.pattern,
                self.name,
                self.timeouts,
                TIMEOUTS_BEFORE_SKIPPING,
            )
            return False


def compile_condition(condition: Condition, rule: str) -> Test:
    name, op, value = condition.field, condition.op, condition.value
    if op == "matches":
        return PatternTest(name, compile_pattern(value), rule)
    if name == "ticket.priority":
        value = [_priority(v) for v in value] if op == "in" else _priority(value)
    if name == "ticket.tags":
        wanted = {_fold(v) for v in (value if op == "in" else [value])}
        if op == "not_contains":
            return lambda f: not (wanted & f.get(name))
        return lambda f: bool(wanted & f.get(name))
    if op == "in":
        options = {_fold(v) for v in value}
        return lambda f: f.folded(name) in options
    folded = _fold(value)
    if op == "equals":
        return lambda f: f.folded(name) == folded
    if op == "not_equals":
        return lambda f: f.folded(name) != folded
    if op == "contains":
        return lambda f: isinstance(v := f.folded(name), str) and folded in v
    if op == "not_contains":
        return lambda f: not (isinstance(v := f.folded(name), str) and folded in v)
    if op == "gt":
        return lambda f: isinstance(v := f.get(name), int | float) and v > value
    if op == "lt":
        return lambda f: isinstance(v := f.get(name), int | float) and v < value
    raise ValueError(f"unknown operator {op!r}")


@dataclass
class Compiled:
    """One rule, ready to run."""

    id: int | None
    name: str
    match_all: bool
    tests: list[Test]
    actions: tuple[Action, ...]
    stop: bool
    triggers: frozenset[str]
    timer: Timer | None
    fields: frozenset[str]  # the fields its conditions read

    @classmethod
    def of(cls, spec: RuleSpec, pk: int | None = None) -> Compiled:
        return cls(
            id=pk,
            name=spec.name,
            match_all=spec.match == "all",
            # Patterns last: they cost the most, and an earlier test often decides the rule.
            tests=sorted(
                (compile_condition(c, spec.name) for c in spec.conditions), key=lambda t: isinstance(t, PatternTest)
            ),
            actions=spec.actions,
            stop=spec.stop or any(a.type is ActionType.STOP for a in spec.actions),
            triggers=frozenset(str(t) for t in spec.triggers),
            timer=spec.timer,
            fields=frozenset(c.field for c in spec.conditions),
        )

    def matches(self, facts: Facts) -> bool:
        # Plain loops: this runs for every rule on every message (all()/any() cost a generator).
        if self.match_all:
            for test in self.tests:  # noqa: SIM110 - see above
                if not test(facts):
                    return False
            return True
        for test in self.tests:
            if test(facts):
                return True
        return not self.tests


@dataclass
class Hit:
    """A rule that matched, and what it changed, as data (``hub.routing.words`` says it)."""

    rule_id: int | None
    name: str
    changes: dict[str, Any]

    @property
    def sentence(self) -> str:
        return words.sentence(self.name, self.changes)


@dataclass
class Outcome:
    """What the matching rules decided, applied to nothing yet."""

    team: Team | None = None
    assign: Agent | str | None = None  # an agent, or "team": the team's strategy
    priority: int | None = None
    status: str | None = None
    add_tags: set[str] = field(default_factory=set)
    remove_tags: set[str] = field(default_factory=set)
    sla_policy: str | None = None
    skills: set[str] = field(default_factory=set)
    effects: list[dict[str, Any]] = field(default_factory=list)  # auto_reply, add_note, notify
    hits: list[Hit] = field(default_factory=list)
    # Set by ``hub.routing.apply`` when it gave the ticket an agent: whom it had before.
    reassigned: bool = False
    reassigned_from: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.hits)


class RuleSet:
    """The enabled rules in order, the teams and agents they name, and the teams' hours."""

    def __init__(
        self,
        rules: list[Compiled],
        teams: dict[str, Team],
        agents: dict[int, Agent],
        hours: dict[int, Calendar] | None = None,
        slugs: dict[int, str] | None = None,
        strategies: dict[int, str] | None = None,
    ) -> None:
        self.rules = rules
        self.teams = teams  # by slug
        self.agents = agents  # by id
        self.hours = hours or {}
        self.slugs = slugs or {t.pk: slug for slug, t in teams.items()}
        self.strategies = strategies or {}  # team id → TeamRouting.strategy (absent: no row)
        self.by_trigger: dict[str, list[Compiled]] = {}
        for rule in rules:
            for trigger in rule.triggers:
                self.by_trigger.setdefault(trigger, []).append(rule)
        self.timed = [rule for rule in rules if rule.timer is not None]
        PatternGate.over([test for rule in rules for test in rule.tests if isinstance(test, PatternTest)])
        self.reads_tags = any("ticket.tags" in r.fields for r in rules)
        self.reads_external = any(f.startswith("external.") for r in rules for f in r.fields)
        self.lookup_enabled = False  # an external lookup is set up: ask it about who writes
        self._combined: dict[tuple[str, ...], list[Compiled]] = {}

    @classmethod
    def load(cls) -> RuleSet:
        """From the database: the enabled rules, the teams and agents they name, the teams' routing."""
        rows = list(RoutingRule.objects.filter(enabled=True).order_by("position", "id"))
        rules: list[Compiled] = []
        for row in rows:
            try:
                spec = RuleSpec.model_validate(
                    {
                        "name": row.name,
                        "match": row.match,
                        "conditions": row.conditions,
                        "actions": row.actions,
                        "stop": row.stop,
                        "triggers": row.triggers,
                        "timer": row.timer,
                    }
                )
            except ValueError as exc:
                # Saved around the API (the Django admin, a migration): skipped, never fatal.
                log.error("routing rule %s %r is invalid and skipped: %s", row.pk, row.name, exc)
                continue
            rules.append(Compiled.of(spec, row.pk))
        rule_set = cls.build(rules)
        rule_set.lookup_enabled = ExternalLookup.objects.filter(enabled=True).exists()
        return rule_set

    @classmethod
    def build(cls, rules: list[Compiled]) -> RuleSet:
        """Resolve the teams and agents the rules name; every team's strategy and hours."""
        from hub import calendars
        from hub.models import TeamRouting

        slugs = {str(a.value) for r in rules for a in r.actions if a.type is ActionType.SET_TEAM}
        ids = {int(a.value) for r in rules for a in r.actions if a.type is ActionType.ASSIGN and a.value != "team"}
        teams = {t.slug: t for t in Team.objects.filter(slug__in=sorted(slugs))} if slugs else {}
        agents = {a.pk: a for a in Agent.objects.filter(pk__in=sorted(ids))} if ids else {}
        strategies = dict(TeamRouting.objects.values_list("team_id", "strategy"))
        # Every team's calendar (a broken one is logged and counts as always open).
        hours = {
            team.pk: calendars.of(team.calendar)
            for team in Team.objects.exclude(calendar=None).select_related("calendar")
        }
        if any(_needs_teams(r) for r in rules):
            team_slugs = dict(Team.objects.values_list("pk", "slug"))
        else:
            team_slugs = {t.pk: slug for slug, t in teams.items()}
        return cls(rules, teams, agents, hours, team_slugs, strategies)

    def rules_for(self, trigger: Triggers) -> list[Compiled]:
        """The rules that run on ``trigger`` (or on any of several), in order."""
        if isinstance(trigger, str):
            return self.by_trigger.get(trigger, [])
        if trigger not in self._combined:
            wanted = set(trigger)
            self._combined[trigger] = [rule for rule in self.rules if rule.triggers & wanted]
        return self._combined[trigger]

    def hours_of(self, team_id: int | None) -> Calendar:
        return self.hours.get(team_id, ALWAYS) if team_id is not None else ALWAYS

    def slug_of(self, team_id: int | None) -> str:
        return self.slugs.get(team_id, "") if team_id is not None else ""

    def run(self, trigger: Triggers, facts: Facts, rules: list[Compiled] | None = None) -> Outcome:
        """Apply the matching rules of ``trigger`` (or ``rules``) in order; never raises for a rule."""
        outcome = Outcome()
        for rule in self.rules_for(trigger) if rules is None else rules:
            try:
                matched = rule.matches(facts)
            except Exception:
                log.exception("routing rule %r failed to evaluate; treated as not matching", rule.name)
                continue
            if not matched:
                continue
            self._apply(rule, facts, outcome)
            if rule.stop:
                break
        return outcome

    def _apply(self, rule: Compiled, facts: Facts, outcome: Outcome) -> None:
        changes: dict[str, Any] = {}
        for action in rule.actions:
            t, v = action.type, action.value
            if t is ActionType.SET_TEAM:
                team = self.teams.get(str(v))
                if team is None:
                    changes["team"] = {"missing": str(v)}
                    continue
                outcome.team = team
                facts.move_to_team(team.pk, team.slug)
                changes["team"] = team.name
            elif t is ActionType.ASSIGN:
                if v == "team":
                    outcome.assign = "team"
                    changes["assign"] = {"by": "team"}
                elif (agent := self.agents.get(int(v))) is not None:
                    outcome.assign = agent
                    changes["assign"] = agent.name if Agent.user.is_cached(agent) else {"agent": agent.pk}
                else:
                    changes["assign"] = {"missing": str(v)}
            elif t is ActionType.SET_PRIORITY:
                outcome.priority = int(v)
                facts.set("ticket.priority", int(v))
                changes["priority"] = int(v)
            elif t is ActionType.SET_STATUS:
                outcome.status = str(v)
                facts.set("ticket.status", str(v))
                changes["status"] = str(v)
            elif t in (ActionType.ADD_TAGS, ActionType.REMOVE_TAGS, ActionType.MARK_SPAM):
                names = {"spam"} if t is ActionType.MARK_SPAM else set(v)
                adding = t is not ActionType.REMOVE_TAGS
                (outcome.add_tags if adding else outcome.remove_tags).update(names)
                (outcome.remove_tags if adding else outcome.add_tags).difference_update(names)
                tags = set(facts.get("ticket.tags"))
                facts.set("ticket.tags", frozenset(tags | names if adding else tags - names))
                key = "tags" if t is not ActionType.MARK_SPAM else "spam"
                sign = "+" if adding else "-"
                changes[key] = " ".join(f"{sign}{n}" for n in sorted(names))
                if t is ActionType.MARK_SPAM:
                    outcome.status = TicketStatus.CLOSED
                    facts.set("ticket.status", TicketStatus.CLOSED.value)
            elif t is ActionType.SET_SLA_POLICY:
                from hub.sla.choose import for_rules

                policy = for_rules(self).named(str(v))
                if policy is None:
                    changes["SLA policy"] = {"missing": str(v)}
                    continue
                outcome.sla_policy = str(policy.id)
                changes["SLA policy"] = policy.name
            elif t is ActionType.REQUIRE_SKILLS:
                outcome.skills.update(v)
                changes["skills"] = ", ".join(sorted(v))
            elif t is ActionType.AUTO_REPLY:
                outcome.effects.append({"type": "auto_reply", "value": v, "rule": rule.name, "rule_id": rule.id})
                changes["auto reply"] = True
            elif t is ActionType.ADD_NOTE:
                outcome.effects.append({"type": "add_note", "value": v, "rule": rule.name})
                changes["note"] = True
            elif t is ActionType.NOTIFY:
                assert isinstance(v, Notify)
                outcome.effects.append(
                    {"type": "notify", "value": {"agents": list(v.agents), "teams": list(v.teams)}, "rule": rule.name}
                )
                changes["notify"] = {"agents": list(v.agents), "teams": list(v.teams)}
        outcome.hits.append(Hit(rule.id, rule.name, changes))


def _needs_teams(rule: Compiled) -> bool:
    return bool({"ticket.team", "business_hours"} & rule.fields) or rule.timer is not None
