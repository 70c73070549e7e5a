"""Routing rules in the API: the JSON of ``hub.routing.schema``, refused with the place of each problem."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from rest_framework import serializers

from hub.models import RoutingRule, Trigger
from hub.routing.references import missing_references
from hub.routing.schema import ACTION_HELP, FIELDS, OPS, PREFIXES, RuleSpec, problems

_FIELDS = "; ".join(f"`{name}` ({kind}: {', '.join(OPS[kind])})" for name, (kind, _) in FIELDS.items())
_PREFIXED = "; ".join(f"`{prefix}<name>` ({kind})" for prefix, (kind, _) in PREFIXES.items())
CONDITIONS_HELP = (
    'A list of conditions such as {"field": "subject", "op": "contains", "value": "Rechnung"}. '
    f"Fields and their operators: {_FIELDS}; {_PREFIXED}. `in` takes a list; `matches` a regular "
    "expression (case-insensitive, at most 500 characters, bounded in time). Texts compare "
    "case-insensitively."
)
ACTIONS_HELP = 'A list of actions such as {"type": "set_team", "value": "billing"}. ' + "; ".join(
    f"`{t}`: {text}" for t, text in ACTION_HELP.items()
)
TIMER_HELP = (
    'Run on a timer instead of (or besides) events: {"kind": "no_agent_reply", "minutes": 30} '
    '(business minutes of the ticket\'s team) or {"kind": "waiting_on_customer", "days": 3}.'
)


def spec_problems(data: dict[str, Any]) -> dict[str, list[str]]:
    """Everything wrong with a rule, by place: its shape, then the teams and agents it names."""
    try:
        spec = RuleSpec.model_validate(data)
    except ValidationError as exc:
        return problems(exc)
    return missing_references([spec])


class RoutingRuleSerializer(serializers.ModelSerializer[RoutingRule]):
    conditions = serializers.JSONField(help_text=CONDITIONS_HELP, required=False)
    actions = serializers.JSONField(help_text=ACTIONS_HELP)
    triggers = serializers.ListField(
        child=serializers.ChoiceField(choices=Trigger.choices),
        required=False,
        help_text="The events the rule runs on.",
    )
    timer = serializers.JSONField(help_text=TIMER_HELP, required=False, allow_null=True)

    class Meta:
        model = RoutingRule
        fields = [
            "id",
            "name",
            "position",
            "enabled",
            "match",
            "conditions",
            "actions",
            "stop",
            "triggers",
            "timer",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        merged = {
            field: getattr(self.instance, field)
            for field in ("name", "enabled", "match", "conditions", "actions", "stop", "triggers", "timer")
            if self.instance is not None
        }
        merged.update(attrs)
        found = spec_problems(merged)
        if found:
            raise serializers.ValidationError(found)
        return attrs


class OrderSerializer(serializers.Serializer[Any]):
    order = serializers.ListField(
        child=serializers.IntegerField(), help_text="Every rule's id, in the order the rules are to run."
    )


class DryRunSerializer(serializers.Serializer[Any]):
    rules = serializers.ListField(
        child=serializers.JSONField(), help_text="Draft rules, in order, in the shape of a rule (not saved)."
    )
    last = serializers.IntegerField(min_value=1, max_value=1000, default=100, help_text="The latest N tickets.")
    # A text, not a second enumeration of the triggers in the schema.
    trigger = serializers.CharField(
        default=Trigger.TICKET_CREATED, help_text="The event to try the rules on: " + ", ".join(Trigger.values)
    )

    def validate_trigger(self, value: str) -> str:
        if value not in Trigger.values:
            raise serializers.ValidationError(f"one of {', '.join(Trigger.values)}")
        return value

    def validate_rules(self, value: list[Any]) -> list[Any]:
        found: dict[str, list[str]] = {}
        for n, rule in enumerate(value):
            if not isinstance(rule, dict):
                found[str(n)] = ["a rule is an object"]
                continue
            for where, messages in spec_problems(rule).items():
                found[f"{n}.{where}"] = messages
        if found:
            raise serializers.ValidationError(found)
        return value
