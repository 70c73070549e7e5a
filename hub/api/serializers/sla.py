"""SLA policies in the API, and a ticket's service level as the ticket's ``sla`` shows it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from hub.models import BusinessCalendar, Organization, SlaClock, SlaPolicy, SlaState, SlaTarget
from hub.sla.policies import MAX_MINUTES, normalize_conditions, normalize_targets

TARGETS_HELP = (
    'Minutes per priority value for each target: {"first_response": {"1": 480, "2": 240, "3": 60, "4": 30}, '
    '"next_response": {…}, "resolution": {…}}. Priorities are 1 (low) to 4 (urgent); minutes a whole number from '
    f"1 to {MAX_MINUTES}, counted in the calendar's business time. A target or priority left out is not measured."
)
CONDITIONS_HELP = (
    'The routing rules\' conditions, all of which must hold: [{"field": "customer.segment", "op": "equals", '
    '"value": "gold"}]. Fields: channel, ticket.team (a slug), ticket.priority, customer.segment, '
    "customer.key_account, customer.organization, customer.language, customer.attributes.<name>. Empty: every ticket."
)
CALENDAR_HELP = "The business calendar whose hours count (its id), or null for calendar time (every minute counts)."
POSITION_HELP = "Where it stands in the order: the first enabled policy whose conditions hold applies. Default: last."


class SlaPolicySerializer(serializers.ModelSerializer[SlaPolicy]):
    position = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, help_text=POSITION_HELP)
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.all(), allow_null=True, required=False, help_text=CALENDAR_HELP
    )
    targets = serializers.JSONField(help_text=TARGETS_HELP)
    conditions = serializers.JSONField(required=False, help_text=CONDITIONS_HELP)
    organizations = serializers.SlugRelatedField[Organization](
        many=True, read_only=True, slug_field="name", help_text="The organizations that have it as their contract."
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "id", "name", "position", "enabled", "calendar", "targets", "conditions", "organizations",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}}  # checked below, ignoring case

    def validate_name(self, value: str) -> str:
        name = value.strip()
        if not name:
            raise serializers.ValidationError(_("the policy needs a name"))
        others = SlaPolicy.objects.filter(name__iexact=name)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(_("another SLA policy is called %(name)r") % {"name": name})
        return name

    def validate_targets(self, value: Any) -> dict[str, dict[str, int]]:
        try:
            return normalize_targets(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_conditions(self, value: Any) -> list[dict[str, Any]]:
        try:
            return normalize_conditions(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None


class PolicyOrderSerializer(serializers.Serializer[Any]):
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1), help_text="Every policy's id once, in the new order."
    )


# -- a ticket's service level ------------------------------------------------------------------

ORDER = {target: n for n, target in enumerate(SlaTarget.values)}


class SlaClockSerializer(serializers.Serializer[SlaClock]):
    target = serializers.ChoiceField(choices=SlaTarget.choices)
    state = serializers.ChoiceField(choices=SlaState.choices)
    minutes = serializers.IntegerField(help_text="The target, in business minutes.")
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True, help_text="While it runs; null when paused or met.")
    paused = serializers.BooleanField(help_text="Waiting on the customer or on hold: the clock stands still.")
    remaining_minutes = serializers.IntegerField(
        allow_null=True, help_text="While paused: the business minutes left (negative: overdue)."
    )
    warned_at = serializers.DateTimeField(allow_null=True)
    breached_at = serializers.DateTimeField(allow_null=True, help_text="The due time it passed unmet.")
    met_at = serializers.DateTimeField(allow_null=True)


class TicketSlaSerializer(serializers.Serializer[Any]):
    """The ticket's service level: its policy, its worst state, its earliest due time, per target."""

    policy = serializers.IntegerField(allow_null=True, help_text="The SLA policy measuring the ticket.")
    policy_name = serializers.CharField(allow_blank=True)
    state = serializers.CharField(
        allow_blank=True,
        help_text="The worst of the running targets (breached, warning, ok), else paused or met; empty: not measured.",
    )
    due_at = serializers.DateTimeField(allow_null=True, help_text="The earliest due time of a running target.")
    targets = SlaClockSerializer(many=True)


def _moment(value: datetime | None, zone: tzinfo) -> str | None:
    """DRF's ``DateTimeField`` output (ISO 8601 in the current time zone, UTC as ``Z``)."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def clock_json(clock: SlaClock, zone: tzinfo) -> dict[str, Any]:
    remaining = clock.remaining if clock.state == SlaState.PAUSED else None
    return {
        "target": clock.target,
        "state": clock.state,
        "minutes": clock.minutes,
        "started_at": _moment(clock.started_at, zone),
        "due_at": _moment(clock.due_at, zone),
        "paused": clock.state == SlaState.PAUSED,
        "remaining_minutes": None if remaining is None else int(remaining.total_seconds() // 60),
        "warned_at": _moment(clock.warned_at, zone),
        "breached_at": _moment(clock.breached_at, zone),
        "met_at": _moment(clock.met_at, zone),
    }


def sla_json(
    *, policy_id: int | None, policy_name: str | None, state: str, due_at: datetime | None, clocks: Iterable[SlaClock]
) -> dict[str, Any]:
    """The ``sla`` of a ticket (``TicketSlaSerializer``'s shape) from its row and its clocks."""
    zone = timezone.get_current_timezone()
    return {
        "policy": policy_id,
        "policy_name": policy_name or "",
        "state": state,
        "due_at": _moment(due_at, zone),
        "targets": [clock_json(c, zone) for c in sorted(clocks, key=lambda c: ORDER.get(c.target, 9))],
    }


def clocks_by_ticket(ticket_ids: list[int]) -> dict[int, list[SlaClock]]:
    """The clocks of a page of tickets, by ticket: one query."""
    found: dict[int, list[SlaClock]] = {}
    if ticket_ids:
        for clock in SlaClock.objects.filter(ticket_id__in=ticket_ids):
            found.setdefault(clock.ticket_id, []).append(clock)
    return found
