"""Which SLA policy measures a ticket: a fixed one, the organization's contract, or the first that holds.

The policies are compiled once per process and rule set (``hub.routing.cache``: saving a policy,
a calendar or a team gives the rule set a new token, ``hub.sla``), so choosing for a message is
a few closures over facts already in memory and no query.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from pydantic import ValidationError

from hub import calendars
from hub.business_time import Calendar
from hub.models import Customer, SlaPolicy, Team, Ticket
from hub.routing import cache
from hub.routing.engine import RuleSet, Test, compile_condition
from hub.routing.facts import Facts
from hub.routing.schema import Condition
from hub.sla.policies import minutes_for
from hub.text import whole_number

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Policy:
    """One stored policy, ready to measure by."""

    id: int
    name: str
    enabled: bool
    calendar: Calendar
    targets: dict[str, dict[str, int]]
    tests: tuple[Test, ...]
    reads_team: bool

    def minutes(self, target: str, priority: int) -> int | None:
        return minutes_for(self.targets, target, priority)

    def holds(self, facts: Facts) -> bool:
        for test in self.tests:  # noqa: SIM110 - a plain loop, as the rules' own
            if not test(facts):
                return False
        return True

    @classmethod
    def of(cls, row: SlaPolicy) -> Policy | None:
        try:
            conditions = [Condition.model_validate(c) for c in row.conditions or []]
            tests = tuple(compile_condition(c, f"SLA policy {row.name}") for c in conditions)
        except (ValidationError, ValueError) as exc:
            # Saved around the API (the Django admin): it measures nothing until fixed.
            log.error("SLA policy %s %r has invalid conditions and is skipped: %s", row.pk, row.name, exc)
            return None
        return cls(
            id=row.pk,
            name=row.name,
            enabled=row.enabled,
            calendar=calendars.of(row.calendar),
            targets=row.targets if isinstance(row.targets, dict) else {},
            tests=tests,
            reads_team=any(c.field == "ticket.team" for c in conditions),
        )


class Policies:
    """Every stored policy by id and name, and the enabled ones in order."""

    def __init__(self, policies: list[Policy], slugs: dict[int, str] | None = None) -> None:
        self.by_id = {p.id: p for p in policies}
        self.by_name = {p.name.casefold(): p for p in policies}
        self.ordered = [p for p in policies if p.enabled]
        self.slugs = slugs or {}

    def __bool__(self) -> bool:
        return bool(self.by_id)

    @classmethod
    def load(cls) -> Policies:
        rows = SlaPolicy.objects.select_related("calendar").order_by("position", "id")
        policies = [p for p in (Policy.of(row) for row in rows) if p is not None]
        slugs = dict(Team.objects.values_list("pk", "slug")) if any(p.reads_team for p in policies) else {}
        return cls(policies, slugs)

    def get(self, pk: int | None) -> Policy | None:
        return self.by_id.get(pk) if pk is not None else None

    def named(self, value: str) -> Policy | None:
        """A policy by id or by name (a routing rule's ``set_sla_policy`` value)."""
        text = str(value).strip()
        number = whole_number(text)
        if number is not None and number in self.by_id:
            return self.by_id[number]
        return self.by_name.get(text.casefold())

    def choose(self, ticket: Ticket, customer: Customer | None) -> tuple[Policy | None, str]:
        """The policy for ``ticket`` and why: its fixed one (a rule's, an agent's), else the
        contract of its customer's organization, else the first enabled whose conditions hold."""
        if ticket.sla_policy_fixed:
            fixed = self.get(ticket.sla_policy_id)
            if fixed is not None and fixed.enabled:
                return fixed, "set on the ticket"
        organization = customer.organization if customer is not None and customer.organization_id else None
        if organization is not None:
            contracted = self.get(organization.sla_policy_id)
            if contracted is not None and contracted.enabled:
                return contracted, f"contract of {organization.name}"
        if not self.ordered:
            return None, ""
        facts = Facts(ticket=ticket, customer=customer, team_slug=lambda pk: self.slugs.get(pk, "") if pk else "")
        for policy in self.ordered:
            try:
                if policy.holds(facts):
                    return policy, "its conditions hold"
            except Exception:
                log.exception("SLA policy %r failed to evaluate; treated as not holding", policy.name)
        return None, ""


_lock = threading.Lock()
_loaded: tuple[RuleSet, Policies] | None = None


def for_rules(rules: RuleSet) -> Policies:
    """The policies as of the rule set ``rules`` (compiled when that rule set is new)."""
    global _loaded
    loaded = _loaded
    if loaded is not None and loaded[0] is rules:
        return loaded[1]
    policies = Policies.load()
    with _lock:
        _loaded = (rules, policies)
    return policies


def current() -> Policies:
    """The policies as of now: one query when nothing changed (the rule set's token)."""
    return for_rules(cache.current())


def forget() -> None:
    global _loaded
    _loaded = None
