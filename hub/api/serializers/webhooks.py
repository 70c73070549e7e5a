"""Webhooks over the API: what an integration sets up to be told of tickets (``hub.webhooks``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from rest_framework import serializers

from hub.models import Team, Webhook, WebhookDelivery, WebhookTopic
from hub.webhooks.http import describe

TOPICS = [value for value in WebhookTopic.values if value != WebhookTopic.PING]


class WebhookSerializer(serializers.ModelSerializer[Webhook]):
    events = serializers.ListField(
        source="topics",
        child=serializers.ChoiceField(choices=TOPICS),
        allow_empty=False,
        help_text="What the webhook is told of: " + ", ".join(TOPICS) + ".",
    )
    team = serializers.SlugRelatedField[Team](
        slug_field="slug",
        queryset=Team.objects.all(),
        allow_null=True,
        required=False,
        help_text="Only tickets of this team (its slug) at the moment of the event; null: every ticket.",
    )
    url = serializers.URLField(max_length=500, help_text="Where the signed JSON is POSTed (http or https).")
    active = serializers.BooleanField(required=False, default=True)

    class Meta:
        model = Webhook
        fields: tuple[str, ...] = (
            "id", "name", "url", "events", "team", "active", "failing_since", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields: tuple[str, ...] = ("id", "failing_since", "created_at", "updated_at")

    def validate_url(self, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise serializers.ValidationError("The URL starts with http:// or https:// and names a host.")
        if parts.username or parts.password:
            raise serializers.ValidationError("Put no user name or password in the URL; check the signature instead.")
        return value.strip()


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.SerializerMethodField(
        help_text="The signing secret, shown here and when it is replaced only: keep it with the receiver."
    )

    class Meta(WebhookSerializer.Meta):
        fields = (*WebhookSerializer.Meta.fields, "secret")
        read_only_fields = (*WebhookSerializer.Meta.read_only_fields, "secret")

    def get_secret(self, obj: Webhook) -> str:
        return str(obj.secret)


class SecretSerializer(serializers.Serializer[None]):
    secret = serializers.CharField(help_text="The new signing secret; every attempt from now on is signed with it.")


class DeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    event = serializers.CharField(source="topic", read_only=True)
    delivery = serializers.UUIDField(source="uuid", read_only=True, help_text="The X-Hub-Delivery header sent.")
    error = serializers.SerializerMethodField(help_text="Why no answer came, in words; empty when one came.")
    error_code = serializers.SerializerMethodField(
        help_text="The kind of failure: scheme, private, timeout, unreachable, bad_answer, redirect, deleted, internal."
    )

    class Meta:
        model = WebhookDelivery
        fields = (
            "id", "delivery", "event", "ticket", "state", "attempts", "next_attempt_at", "response_status",
            "response_body", "error", "error_code", "duration_ms", "created_at", "finished_at",
        )  # fmt: skip
        read_only_fields = fields

    def get_error(self, obj: WebhookDelivery) -> str:
        return describe(obj.error) if obj.error else ""

    def get_error_code(self, obj: WebhookDelivery) -> str:
        return obj.error.partition(":")[0]


def values(data: dict[str, Any], instance: Webhook | None) -> dict[str, Any]:
    """The action's keyword arguments: what was sent over what the webhook has."""
    base: dict[str, Any] = {"name": "", "url": "", "topics": [], "team": None, "active": True}
    if instance is not None:
        base = {
            "name": instance.name,
            "url": instance.url,
            "topics": list(instance.topics),
            "team": instance.team,
            "active": instance.active,
        }
    return base | {k: v for k, v in data.items() if k in base}
