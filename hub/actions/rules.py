"""Admins' changes to routing rules and to teams' assignment: saved, ordered, logged.

Every change gives the rule set a new token in its transaction (the models' signals, or
``rules_changed`` after a bulk update), so every worker uses it from its next batch on.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy

from hub import audit
from hub.models import Agent, BusinessCalendar, ExternalLookup, RoutingRule, Team, TeamRouting
from hub.models.routing import rules_changed
from hub.routing.schema import RuleSpec

audit.describe("routing_rule.created", gettext_lazy("Routing rule created"))
audit.describe("routing_rule.updated", gettext_lazy("Routing rule changed"))
audit.describe("routing_rule.deleted", gettext_lazy("Routing rule deleted"))
audit.describe("routing_rule.reordered", gettext_lazy("Routing rules reordered"))
audit.describe("team.routing_updated", gettext_lazy("Team's assignment changed"))
audit.describe("external_lookup.updated", gettext_lazy("External lookup changed"))


def stored(spec: RuleSpec) -> dict[str, Any]:
    """A validated rule in the form it is stored in (and the API shows)."""
    data = spec.model_dump(mode="json")
    return {
        "name": data["name"],
        "enabled": data["enabled"],
        "match": data["match"],
        "conditions": data["conditions"],
        "actions": [{"type": a["type"], "value": a["value"]} for a in data["actions"]],
        "stop": data["stop"],
        "triggers": data["triggers"],
        "timer": {k: v for k, v in data["timer"].items() if v is not None} if data["timer"] else None,
    }


@transaction.atomic
def do_save_rule(*, actor: Agent, spec: RuleSpec, rule: RoutingRule | None = None) -> RoutingRule:
    """Create (last in order) or replace a rule from a validated spec. Locking: none beyond the row."""
    values = stored(spec)
    if rule is None:
        last = RoutingRule.objects.order_by("-position").values_list("position", flat=True).first()
        rule = RoutingRule.objects.create(position=(last + 1) if last is not None else 0, **values)
        audit.record(actor, "routing_rule.created", target=rule, label=rule.name, changes=audit.diff({}, values))
        return rule
    before = {key: getattr(rule, key) for key in values}
    for key, value in values.items():
        setattr(rule, key, value)
    rule.save()
    audit.record(actor, "routing_rule.updated", target=rule, label=rule.name, changes=audit.diff(before, values))
    return rule


@transaction.atomic
def do_set_rule_enabled(*, actor: Agent, rule: RoutingRule, enabled: bool) -> RoutingRule:
    if rule.enabled != enabled:
        rule.enabled = enabled
        rule.save(update_fields=["enabled", "updated_at"])
        audit.record(
            actor, "routing_rule.updated", target=rule, label=rule.name, changes={"enabled": [not enabled, enabled]}
        )
    return rule


@transaction.atomic
def do_delete_rule(*, actor: Agent, rule: RoutingRule) -> None:
    audit.record(actor, "routing_rule.deleted", target=rule, label=rule.name)
    rule.delete()


@transaction.atomic
def do_reorder_rules(*, actor: Agent, order: list[int]) -> list[RoutingRule]:
    """Put the rules in ``order`` (every rule's id once). Locking: every rule row, in id order.
    ValueError when ``order`` does not name every rule exactly once."""
    rules = {rule.pk: rule for rule in RoutingRule.objects.select_for_update().order_by("pk")}
    if sorted(order) != sorted(rules) or len(set(order)) != len(order):
        raise ValueError("name every rule's id once: " + ", ".join(str(pk) for pk in sorted(rules)))
    for position, pk in enumerate(order):
        rules[pk].position = position
    RoutingRule.objects.bulk_update(list(rules.values()), ["position"])
    rules_changed()  # bulk_update sends no signal
    audit.record(actor, "routing_rule.reordered", label=", ".join(rules[pk].name for pk in order))
    return [rules[pk] for pk in order]


def do_move_rule(*, actor: Agent, rule: RoutingRule, by: int) -> list[RoutingRule]:
    """Move a rule ``by`` places up (negative) or down in the order."""
    order = list(RoutingRule.objects.order_by("position", "id").values_list("pk", flat=True))
    index = order.index(rule.pk)
    target = max(0, min(len(order) - 1, index + by))
    order.insert(target, order.pop(index))
    return do_reorder_rules(actor=actor, order=order)


# ``calendar=KEEP``: leave the team's calendar as it is (the inline strategy form sends none).
KEEP: Any = object()


@transaction.atomic
def do_set_team_routing(
    *, actor: Agent, team: Team, strategy: str, calendar: BusinessCalendar | None = KEEP
) -> TeamRouting:
    """A team's assignment strategy, and its business calendar when given (None: always open)."""
    routing, _ = TeamRouting.objects.select_for_update().get_or_create(team=team)
    before = {"strategy": routing.strategy, "calendar": str(team.calendar or "")}
    routing.strategy = strategy
    routing.save()
    if calendar is not KEEP and team.calendar_id != (calendar.pk if calendar else None):
        team.calendar = calendar
        team.save(update_fields=["calendar"])
    after = {"strategy": routing.strategy, "calendar": str(team.calendar or "")}
    audit.record(actor, "team.routing_updated", target=team, label=team.name, changes=audit.diff(before, after))
    return routing


@transaction.atomic
def do_save_external_lookup(*, actor: Agent, values: dict[str, Any]) -> ExternalLookup:
    """Set up the external lookup (one connector); an empty ``auth_value`` keeps the stored one."""
    lookup = ExternalLookup.objects.select_for_update().order_by("pk").first() or ExternalLookup()
    before = {k: getattr(lookup, k) for k in values if k != "auth_value"}
    for key, value in values.items():
        if key == "auth_value" and not value:
            continue
        setattr(lookup, key, value)
    lookup.save()
    after = {k: getattr(lookup, k) for k in values if k != "auth_value"}
    changes = audit.diff(before, after)
    if values.get("auth_value"):
        changes["auth_value"] = ["…", "…"]  # changed, never shown
    audit.record(actor, "external_lookup.updated", target=lookup, label=lookup.url_template, changes=changes)
    return lookup
