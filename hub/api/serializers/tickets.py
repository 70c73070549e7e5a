from __future__ import annotations

from rest_framework import serializers

from hub.api.serializers.messages import MessageSerializer, TicketEventSerializer
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
            "last_message_preview",
            "last_message_channel",
            "last_message_direction",
            "last_message_kind",
            "message_count",
            "version",
        )
        read_only_fields = fields


class TicketDetailSerializer(TicketSerializer):
    messages = MessageSerializer(many=True, read_only=True)
    events = TicketEventSerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = (*TicketSerializer.Meta.fields, "history", "messages", "events")
        read_only_fields = fields
