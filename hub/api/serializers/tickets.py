from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.access import scoped_history
from hub.api.serializers.messages import MessageSerializer, TicketEventSerializer
from hub.api.serializers.sla import TicketSlaSerializer, clocks_by_ticket, sla_json
from hub.api.views.base import agent
from hub.models import Agent, Customer, Tag, Team, Ticket


class CustomerRefSerializer(serializers.ModelSerializer[Customer]):
    class Meta:
        model = Customer
        fields = ("id", "display_name")
        read_only_fields = fields


class TeamRefSerializer(serializers.ModelSerializer[Team]):
    class Meta:
        model = Team
        fields = ("id", "name")
        read_only_fields = fields


class AgentRefSerializer(serializers.ModelSerializer[Agent]):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Agent
        fields = ("id", "name")
        read_only_fields = fields


class TicketSerializer(serializers.ModelSerializer[Ticket]):
    """One inbox row; every field comes from the row itself or a join, never a query per row."""

    number = serializers.IntegerField(source="pk", read_only=True)
    customer = CustomerRefSerializer(read_only=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    assignee = AgentRefSerializer(read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField[Tag](many=True, read_only=True, slug_field="name")
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields: tuple[str, ...] = (
            "id",
            "number",
            "subject",
            "status",
            "priority",
            "origin_channel",
            "customer",
            "team",
            "assignee",
            "tags",
            "language",
            "sentiment",
            "created_at",
            "updated_at",
            "last_activity_at",
            "last_customer_message_at",
            "first_response_at",
            "solved_at",
            "first_response_due",
            "resolution_due",
            "sla",
            "last_message_preview",
            "last_message_channel",
            "last_message_direction",
            "last_message_kind",
            "message_count",
            "version",
        )
        read_only_fields = fields

    @extend_schema_field(TicketSlaSerializer)
    def get_sla(self, obj: Ticket) -> dict[str, Any]:
        # The clocks and the policy come with the ticket (prefetch_related, select_related).
        policy = obj.sla_policy if obj.sla_policy_id is not None else None
        return sla_json(
            policy_id=obj.sla_policy_id,
            policy_name=policy.name if policy is not None else "",
            state=obj.sla_state,
            due_at=obj.sla_due_at,
            clocks=obj.sla_clocks.all(),
        )


# What ``ticket_rows`` reads per ticket, with ``.values()``; tags come in one more query.
LIST_COLUMNS = (
    "id",
    "subject",
    "status",
    "priority",
    "origin_channel",
    "customer_id",
    "customer__display_name",
    "team_id",
    "team__name",
    "assignee_id",
    "assignee__user__first_name",
    "assignee__user__last_name",
    "assignee__user__username",
    "language",
    "sentiment",
    "created_at",
    "updated_at",
    "last_activity_at",
    "last_customer_message_at",
    "first_response_at",
    "solved_at",
    "first_response_due",
    "resolution_due",
    "sla_policy_id",
    "sla_policy__name",
    "sla_state",
    "sla_due_at",
    "last_message_preview",
    "last_message_channel",
    "last_message_direction",
    "last_message_kind",
    "message_count",
    "version",
)


def _moment(value: datetime | None, zone: tzinfo) -> str | None:
    """DRF's ``DateTimeField`` output (ISO 8601 in the current time zone, UTC as ``Z``)."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def ticket_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``TicketSerializer(many=True).data`` for rows read with ``.values(*LIST_COLUMNS)``.

    The same JSON (a test compares the two), without model instances and without walking 26
    fields and three nested serializers through DRF per row: for a page of 50 that walk cost
    more than the page's SQL. ``TicketSerializer`` stays the documented shape.
    """
    tags: dict[int, list[str]] = {}
    if rows:
        tagged = (
            Ticket.tags.through.objects.filter(ticket_id__in=[row["id"] for row in rows])
            .order_by("tag__name")
            .values_list("ticket_id", "tag__name")
        )
        for ticket_id, name in tagged:
            tags.setdefault(ticket_id, []).append(name)
    # One more query for the SLA clocks, when a ticket of the page has any.
    clocks = clocks_by_ticket([row["id"] for row in rows if row["sla_state"] or row["sla_policy_id"]])
    zone = timezone.get_current_timezone()
    result = []
    for row in rows:
        pk = row["id"]
        team_id = row["team_id"]
        assignee_id = row["assignee_id"]
        sentiment = row["sentiment"]
        result.append(
            {
                "id": pk,
                "number": pk,
                "subject": row["subject"],
                "status": row["status"],
                "priority": row["priority"],
                "origin_channel": row["origin_channel"],
                "customer": {"id": row["customer_id"], "display_name": row["customer__display_name"]},
                "team": None if team_id is None else {"id": team_id, "name": row["team__name"]},
                "assignee": None
                if assignee_id is None
                else {
                    "id": assignee_id,
                    "name": Agent.name_of(
                        row["assignee__user__first_name"],
                        row["assignee__user__last_name"],
                        row["assignee__user__username"],
                    ),
                },
                "tags": tags.get(pk, []),
                "language": row["language"],
                "sentiment": None if sentiment is None else float(sentiment),
                "created_at": _moment(row["created_at"], zone),
                "updated_at": _moment(row["updated_at"], zone),
                "last_activity_at": _moment(row["last_activity_at"], zone),
                "last_customer_message_at": _moment(row["last_customer_message_at"], zone),
                "first_response_at": _moment(row["first_response_at"], zone),
                "solved_at": _moment(row["solved_at"], zone),
                "first_response_due": _moment(row["first_response_due"], zone),
                "resolution_due": _moment(row["resolution_due"], zone),
                "sla": sla_json(
                    policy_id=row["sla_policy_id"],
                    policy_name=row["sla_policy__name"],
                    state=row["sla_state"],
                    due_at=row["sla_due_at"],
                    clocks=clocks.get(pk, ()),
                ),
                "last_message_preview": row["last_message_preview"],
                "last_message_channel": row["last_message_channel"],
                "last_message_direction": row["last_message_direction"],
                "last_message_kind": row["last_message_kind"],
                "message_count": row["message_count"],
                "version": row["version"],
            }
        )
    return result


class HistoryTicketSerializer(serializers.Serializer[None]):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    status = serializers.CharField()
    channel = serializers.CharField()
    last_activity_at = serializers.DateTimeField()


class HistorySerializer(serializers.Serializer[None]):
    """The customer's history beside the ticket, as far as the viewer may see it.

    Stored with the ticket at its last inbound message; a ticket that never had one has only
    ``elsewhere``.
    """

    open_tickets = HistoryTicketSerializer(many=True, required=False, help_text="Open tickets the viewer may see.")
    recent_tickets = HistoryTicketSerializer(many=True, required=False, help_text="Recent others the viewer may see.")
    last_contact = serializers.DictField(
        child=serializers.DateTimeField(), required=False, help_text="The latest contact per channel."
    )
    lifetime_tickets = serializers.IntegerField(required=False, help_text="All of the customer's tickets.")
    segment = serializers.CharField(required=False, allow_blank=True)
    key_account = serializers.BooleanField(required=False)
    organization = serializers.CharField(required=False, allow_blank=True)
    language = serializers.CharField(required=False, allow_blank=True)
    elsewhere = serializers.IntegerField(
        help_text="The customer's other tickets outside the viewer's scope: counted, never named."
    )


@dataclass(frozen=True)
class Window:
    """The latest rows of a ticket's messages or events, oldest first, and the way to older ones."""

    rows: list[Any]
    total: int
    older: str | None  # the first page of the older rows (newest first), or None when there are none


class TicketDetailSerializer(TicketSerializer):
    """A ticket with its latest messages and events, like the agent's timeline opens it.

    At most ``DETAIL_WINDOW`` of each, oldest first; ``messages_next`` and ``events_next`` page
    on to the older ones through ``/tickets/{id}/messages/`` and ``/tickets/{id}/events/``. The
    view reads the windows (a constant number of queries however long the ticket) and passes
    them in the context as ``messages`` and ``events``.
    """

    history = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()
    messages_total = serializers.SerializerMethodField()
    messages_next = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    events_total = serializers.SerializerMethodField()
    events_next = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = (
            *TicketSerializer.Meta.fields,
            "history",
            "messages",
            "messages_total",
            "messages_next",
            "events",
            "events_total",
            "events_next",
        )
        read_only_fields = fields

    def _window(self, name: str) -> Window:
        window: Window = self.context[name]
        return window

    @extend_schema_field(HistorySerializer)
    def get_history(self, obj: Ticket) -> dict[str, Any]:
        # Other teams' tickets are stored in the summary; only the viewer's part is shown.
        return scoped_history(agent(self.context["request"]), obj)

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, obj: Ticket) -> list[Any]:
        return list(MessageSerializer(self._window("messages").rows, many=True, context=self.context).data)

    @extend_schema_field(serializers.IntegerField(help_text="All messages and notes of the ticket."))
    def get_messages_total(self, obj: Ticket) -> int:
        return self._window("messages").total

    @extend_schema_field(
        serializers.URLField(allow_null=True, help_text="The older messages, newest first; null if none.")
    )
    def get_messages_next(self, obj: Ticket) -> str | None:
        return self._window("messages").older

    @extend_schema_field(TicketEventSerializer(many=True))
    def get_events(self, obj: Ticket) -> list[Any]:
        return list(TicketEventSerializer(self._window("events").rows, many=True, context=self.context).data)

    @extend_schema_field(serializers.IntegerField(help_text="All events of the ticket."))
    def get_events_total(self, obj: Ticket) -> int:
        return self._window("events").total

    @extend_schema_field(
        serializers.URLField(allow_null=True, help_text="The older events, newest first; null if none.")
    )
    def get_events_next(self, obj: Ticket) -> str | None:
        return self._window("events").older
