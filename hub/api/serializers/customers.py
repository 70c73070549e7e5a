from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.actions.calendars import zone_problem
from hub.actions.customer_merge import undo_until
from hub.actions.customers import checked_language
from hub.models import Customer, CustomerMerge, Identity, Message, Organization, Ticket


class IdentitySerializer(serializers.ModelSerializer[Identity]):
    class Meta:
        model = Identity
        fields = ("id", "kind", "value", "verified", "bouncing", "created_at")
        read_only_fields = fields


class OrganizationSerializer(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ("id", "name", "tier", "key_account")
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer[Customer]):
    identities = IdentitySerializer(many=True, read_only=True)
    organization = OrganizationSerializer(read_only=True, allow_null=True)
    is_key_account = serializers.BooleanField(read_only=True)

    class Meta:
        model = Customer
        fields: tuple[str, ...] = (
            "id",
            "display_name",
            "organization",
            "language",
            "timezone",
            "segment",
            "vip",
            "attributes",
            "is_key_account",
            "merged_into",
            "identities",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


def language(value: str) -> None:
    """Refuse a ``value`` that is no language code (``hub.text.language_code``); a 400 naming the field."""
    try:
        checked_language(value)
    except ValueError as exc:
        raise serializers.ValidationError(str(exc)) from None


def time_zone(value: str) -> None:
    """Refuse a ``value`` that is neither empty nor an IANA time zone (a 400 naming the field)."""
    problem = zone_problem(value) if value else None
    if problem:
        raise serializers.ValidationError(problem)


class CustomerUpdateSerializer(serializers.Serializer[Customer]):
    """What agents may change of a customer: each field optional; ``attributes`` are merged."""

    display_name = serializers.CharField(max_length=200, allow_blank=True, required=False)
    language = serializers.CharField(
        max_length=10,
        allow_blank=True,
        required=False,
        validators=[language],
        help_text="de, en, pt-BR; empty: unknown.",
    )
    timezone = serializers.CharField(
        max_length=64, allow_blank=True, required=False, help_text="An IANA name such as Europe/Berlin; empty: unknown."
    )
    segment = serializers.CharField(max_length=40, allow_blank=True, required=False)
    vip = serializers.BooleanField(required=False)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False, help_text="null: in none."
    )
    attributes = serializers.DictField(
        required=False,
        help_text=(
            "The company's own facts about the customer, merged into the stored ones: names of "
            "lower-case letters, digits and _ (at most 40), values texts (at most 500 characters), "
            'numbers or true/false; null removes one. Example: {"plan": "gold", "contract_no": 4711}. '
            "Routing rules read them as customer.attributes.<name>. A name an admin defined as a "
            "customer field (Settings → Customer fields) takes only its type: a number, a date as "
            "YYYY-MM-DD, or one of its choices; otherwise the answer is 400 naming the field and why."
        ),
    )

    def validate_attributes(self, value: dict[str, Any]) -> dict[str, Any]:
        from hub.customer_attributes import merged

        try:
            merged({}, value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None
        return value

    def validate_timezone(self, value: str) -> str:
        time_zone(value)
        return value


class TimelineTicketSerializer(serializers.ModelSerializer[Ticket]):
    number = serializers.IntegerField(source="pk", read_only=True)

    class Meta:
        model = Ticket
        fields = (
            "id",
            "number",
            "subject",
            "origin_channel",
            "status",
            "priority",
            "last_activity_at",
            "last_message_channel",
            "message_count",
        )
        read_only_fields = fields


class TimelineMessageSerializer(serializers.ModelSerializer[Message]):
    preview = serializers.CharField(read_only=True)

    class Meta:
        model = Message
        fields = ("id", "ticket", "channel", "direction", "kind", "sender", "subject", "preview", "created_at")
        read_only_fields = fields


class ChannelContactSerializer(serializers.Serializer[None]):
    channel = serializers.CharField()
    last_contact_at = serializers.DateTimeField()
    messages = serializers.IntegerField()


class OpenMergeSerializer(serializers.ModelSerializer[CustomerMerge]):
    class Meta:
        model = CustomerMerge
        fields = ("id", "source", "merged_at")
        read_only_fields = fields


class TimelineSerializer(serializers.Serializer[None]):
    ticket_count = serializers.IntegerField()
    tickets = TimelineTicketSerializer(many=True)
    recent_messages = TimelineMessageSerializer(many=True)
    channels = ChannelContactSerializer(many=True)


class CustomerDetailSerializer(CustomerSerializer):
    """A customer with what agents ask first: where else they wrote, and what was said lately.

    The timeline is computed by the view (scoped to the tickets the agent may see) and passed in
    the context, so this serializer never runs an unscoped query.
    """

    timeline = serializers.SerializerMethodField()
    merges = serializers.SerializerMethodField()

    class Meta(CustomerSerializer.Meta):
        fields = (*CustomerSerializer.Meta.fields, "merges", "timeline")
        read_only_fields = fields

    @extend_schema_field(TimelineSerializer)
    def get_timeline(self, obj: Customer) -> dict[str, Any]:
        return TimelineSerializer(self.context["timeline"]).data

    @extend_schema_field(OpenMergeSerializer(many=True))
    def get_merges(self, obj: Customer) -> list[dict[str, Any]]:
        # Open merges into this customer: what an agent may undo from here.
        merges = obj.merges_as_target.filter(undone_at__isnull=True).order_by("-merged_at")
        return list(OpenMergeSerializer(merges, many=True).data)


class MergeInput(serializers.Serializer[None]):
    into = serializers.IntegerField(help_text="The customer that keeps everything; this one is merged into it.")


# Customer attributes as the API names them (``organization``, not the column ``organization_id``).
_API_NAMES = {"organization_id": "organization"}


class MergeConflictSerializer(serializers.Serializer[None]):
    name = serializers.CharField(
        help_text="A customer field (display_name, organization, language, timezone, segment) "
        "or the key of a custom attribute."
    )
    kept = serializers.JSONField(help_text="The target's value, which stays (an organization as its id).")
    dropped = serializers.JSONField(help_text="The source's value, which the target did not take over.")


class MergeSerializer(serializers.ModelSerializer[CustomerMerge]):
    """A merge with what the target took over from the source, given back by an undo in time."""

    taken_over_fields = serializers.SerializerMethodField(
        help_text="Customer fields the target had empty and took over from the source."
    )
    taken_over_attributes = serializers.SerializerMethodField(
        help_text="Custom attribute keys the target lacked and took over from the source."
    )
    conflicts = serializers.SerializerMethodField(
        help_text="Facts both customers held differently; the target kept its own value."
    )
    undo_until = serializers.SerializerMethodField(help_text="Until when the merge can be undone.")

    class Meta:
        model = CustomerMerge
        fields = (
            "id",
            "source",
            "target",
            "identity_ids",
            "ticket_ids",
            "taken_over_fields",
            "taken_over_attributes",
            "conflicts",
            "merged_by",
            "merged_at",
            "undo_until",
            "undone_at",
            "undone_by",
        )
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_taken_over_fields(self, obj: CustomerMerge) -> list[str]:
        return [_API_NAMES.get(name, name) for name in (obj.filled or {}).get("fields", [])]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_taken_over_attributes(self, obj: CustomerMerge) -> list[str]:
        return list((obj.filled or {}).get("attributes", []))

    @extend_schema_field(MergeConflictSerializer(many=True))
    def get_conflicts(self, obj: CustomerMerge) -> list[dict[str, Any]]:
        conflicts = (obj.filled or {}).get("conflicts", [])
        return [{**c, "name": _API_NAMES.get(c["name"], c["name"])} for c in conflicts]

    @extend_schema_field(serializers.DateTimeField())
    def get_undo_until(self, obj: CustomerMerge) -> str:
        return serializers.DateTimeField().to_representation(undo_until(obj))
