"""Webhooks over the API: what an integration sets up to be told of tickets (``hub.webhooks``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from hub.models import Team, Webhook, WebhookDelivery, WebhookTopic
from hub.webhooks.address import checked_url
from hub.webhooks.http import describe

TOPICS = [value for value in WebhookTopic.values if value != WebhookTopic.PING]
# The API's name of an editable field where it is not the model's.
API_NAMES = {"topics": "events"}


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
            "id", *(API_NAMES.get(f, f) for f in Webhook.EDITABLE),
            "failing_since", "paused_automatically_at", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields: tuple[str, ...] = (
            "id", "failing_since", "paused_automatically_at", "created_at", "updated_at",
        )  # fmt: skip
        extra_kwargs = {
            "failing_since": {"help_text": "Since when no delivery has got through; null once one does."},
            "paused_automatically_at": {
                "help_text": "When the hub paused the webhook because its deliveries kept failing "
                "(WEBHOOK_PAUSE_AFTER_DAYS); null once it is active again."
            },
        }

    def validate_url(self, value: str) -> str:
        return checked_url(value)


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
    """The action's keyword arguments: what was sent over what the webhook has (a new one: the defaults)."""
    base = (instance or Webhook()).editable()
    return base | {k: v for k, v in data.items() if k in base}
