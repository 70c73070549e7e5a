from __future__ import annotations

from rest_framework import serializers

from hub.models import Agent, Team


class TeamSerializer(serializers.ModelSerializer[Team]):
    class Meta:
        model = Team
        fields = ("id", "name", "slug")
        read_only_fields = fields


class AgentSerializer(serializers.ModelSerializer[Agent]):
    name = serializers.CharField(read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    # Empty while the agent follows the hub's default language.
    language = serializers.CharField(read_only=True, help_text="`de`, `en`, or empty for the hub's default.")

    class Meta:
        model = Agent
        fields = (
            "id",
            "name",
            "username",
            "email",
            "role",
            "teams",
            "language",
            "presence",
            "last_seen_at",
            "capacity",
        )
        read_only_fields = fields
