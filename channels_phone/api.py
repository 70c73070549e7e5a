"""``/api/v1/phone-numbers/``: admins configure the numbers; secrets are write-only.

A number is given as ``{"number": "+4930…", "provider": "twilio", "account_sid": "AC…",
"auth_token": "…", "team": "<team slug>", "sms": true, "voicemail": true}``; ``calendar`` (a
business calendar's id) gives it hours of its own, ``null`` (the default) its team's. The answer says
whether a token and a webhook secret are stored (``auth_token_set``), never what they are. On
an update, an omitted secret keeps the stored one and an empty one removes it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from channels_phone import numbers
from channels_phone.models import PhoneNumber, ProviderKind
from hub.api.permissions import IsAdmin, IsAgent
from hub.api.schema import LOOKUP, HubAutoSchema
from hub.crypto import is_stored
from hub.models import BusinessCalendar, Team

SECRETS = ("auth_token", "webhook_secret")
TOKEN_FIELD, SECRET_FIELD = SECRETS


def validate_number(value: str) -> str:
    normalized = numbers.e164(value)
    if not normalized:
        raise serializers.ValidationError(f"{value!r} is not a valid phone number (E.164, e.g. +4930123456)")
    return normalized


def check_credentials(provider: str, sid: str, token_set: bool, secret_set: bool) -> dict[str, str]:
    """What a number of ``provider`` lacks to work, by field (empty when nothing)."""
    required = "required for this provider"
    problems: dict[str, str] = {}
    if provider in (ProviderKind.TWILIO, ProviderKind.GENERIC):
        if not sid:
            problems["account_sid"] = required
        if not token_set:
            problems[TOKEN_FIELD] = required
    if provider == ProviderKind.TWILIO and sid and not sid.startswith("AC"):
        problems["account_sid"] = "a Twilio Account SID starts with AC"
    if provider == ProviderKind.GENERIC and not secret_set:
        problems[SECRET_FIELD] = "the generic provider signs its webhooks with it"
    return problems


class PhoneNumberSerializer(serializers.ModelSerializer[PhoneNumber]):
    number = serializers.CharField(max_length=32)
    team = serializers.SlugRelatedField(slug_field="slug", queryset=Team.objects.all(), allow_null=True, required=False)
    auth_token = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=500)
    webhook_secret = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=500)
    auth_token_set = serializers.SerializerMethodField()
    webhook_secret_set = serializers.SerializerMethodField()
    calendar = serializers.PrimaryKeyRelatedField(
        queryset=BusinessCalendar.objects.all(),
        allow_null=True,
        required=False,
        help_text="A business calendar's id: the number's own hours. Null: its team's hours.",
    )

    class Meta:
        model = PhoneNumber
        fields = [
            "id", "number", "name", "enabled", "provider", "account_sid", "auth_token", "auth_token_set",
            "webhook_secret", "webhook_secret_set", "team", "sms", "voicemail", "greeting", "greeting_audio_url",
            "language", "calendar", "created_at",
        ]  # fmt: skip
        read_only_fields = ["id", "created_at"]

    def get_auth_token_set(self, obj: PhoneNumber) -> bool:
        return is_stored(obj, "auth_token")

    def get_webhook_secret_set(self, obj: PhoneNumber) -> bool:
        return is_stored(obj, "webhook_secret")

    def validate_number(self, value: str) -> str:
        normalized = validate_number(value)
        taken = PhoneNumber.objects.filter(number=normalized)
        if self.instance is not None:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise serializers.ValidationError(f"{normalized} is configured already")
        return normalized

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance

        def current(name: str, default: Any = "") -> Any:
            if name in attrs:
                return attrs[name]
            return getattr(instance, name) if instance is not None else default

        def stored(name: str) -> bool:
            if name in attrs:
                return bool(attrs[name])
            return instance is not None and is_stored(instance, name)

        problems = check_credentials(
            current("provider"), current("account_sid"), stored("auth_token"), stored("webhook_secret")
        )
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


class PhoneNumberViewSet(viewsets.ModelViewSet[PhoneNumber]):
    serializer_class = PhoneNumberSerializer
    # The hub's own checks: the token's scope (changes need an Administration token, as for every
    # setting), viewers read only, admins only.
    permission_classes = [IsAgent, IsAdmin]
    admin_only = "Only admins configure phone numbers."
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    pagination_class = None

    def get_queryset(self) -> QuerySet[PhoneNumber]:
        return PhoneNumber.objects.select_related("team").order_by("number")
