"""Inputs for making customers, identities, organizations and new conversations through the API.

They validate and clean; the state change is hub.actions' (``contacts``, ``outbound``).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from inscriptis import get_text
from rest_framework import serializers

from hub.api.serializers.customers import language, time_zone
from hub.api.serializers.messages import MessageSerializer
from hub.api.serializers.tickets import CustomerRefSerializer, TicketSerializer
from hub.models import Direction, Organization, SlaPolicy, TicketStatus
from hub.richtext import clean_api_html


class StrictBooleanField(serializers.BooleanField):
    """true or false, not 0, 1 or "yes": what the schema says is what is taken."""

    def to_internal_value(self, data: Any) -> bool:
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data.lower() in ("true", "false"):  # form-encoded bodies
            return data.lower() == "true"
        self.fail("invalid", input=data)
        return False


class StrictCharField(serializers.CharField):
    """A text, not a number DRF would turn into one."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return str(super().to_internal_value(data))


# The kinds an agent may add by hand (hub.actions.contacts.ADDABLE_KINDS).
IDENTITY_KINDS = (("email", "email"), ("phone", "phone"))


class IdentityInput(serializers.Serializer[None]):
    kind = serializers.ChoiceField(choices=IDENTITY_KINDS)
    value = StrictCharField(
        max_length=320,
        help_text="An email address or a phone number (E.164, or national in the hub's default region); "
        "stored normalized, as mail and calls from it are matched.",
    )


class CustomerCreateInput(serializers.Serializer[None]):
    display_name = StrictCharField(max_length=200, allow_blank=True, required=False, default="")
    language = StrictCharField(max_length=10, allow_blank=True, required=False, default="", validators=[language])
    timezone = StrictCharField(
        max_length=64, allow_blank=True, required=False, default="", validators=[time_zone],
        help_text="An IANA name such as Europe/Berlin; empty: unknown.",
    )  # fmt: skip
    segment = StrictCharField(max_length=40, allow_blank=True, required=False, default="")
    vip = StrictBooleanField(required=False, default=False)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), allow_null=True, required=False, default=None
    )
    identities = IdentityInput(many=True, required=False, default=list, max_length=20)  # type: ignore[call-arg]


class IdentityTakenSerializer(serializers.Serializer[None]):
    detail = serializers.CharField()
    customer = CustomerRefSerializer(
        allow_null=True,
        help_text="The customer who holds the identity (a merge moves it); null when they are outside the "
        "caller's teams.",
    )


class OrganizationDetailSerializer(serializers.ModelSerializer[Organization]):
    class Meta:
        model = Organization
        fields = ("id", "name", "domains", "tier", "key_account", "sla_policy", "created_at")
        read_only_fields = fields


class OrganizationInput(serializers.Serializer[None]):
    name = StrictCharField(max_length=200)
    domains = serializers.ListField(
        child=StrictCharField(max_length=253),
        required=False,
        max_length=50,
        help_text="Mail domains of the organization: a new customer writing from one joins it.",
    )
    tier = StrictCharField(max_length=40, allow_blank=True, required=False)
    key_account = StrictBooleanField(required=False, help_text="Leads and admins only.")
    sla_policy = serializers.PrimaryKeyRelatedField(
        queryset=SlaPolicy.objects.all(),
        allow_null=True,
        required=False,
        help_text="The service level contracted with it; leads and admins only.",
    )


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "description": "A customer's id."},
            {
                "type": "object",
                "properties": {
                    "email": {"type": "string", "format": "email", "maxLength": 254},
                    "name": {"type": "string", "maxLength": 200},
                },
                "required": ["email"],
                "additionalProperties": False,
            },
        ]
    }
)
class RecipientField(serializers.Field):
    """A customer's id, or ``{"email": …, "name": …}``: whoever has the address, else a new customer."""

    default_error_messages = {"invalid": "A customer's id, or an object with an email address."}

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, int) and not isinstance(data, bool):
            return {"id": data}
        if isinstance(data, dict) and isinstance(data.get("email"), str) and data["email"].strip():
            name = data.get("name", "")
            if not isinstance(name, str) or set(data) - {"email", "name"}:
                self.fail("invalid")
            return {"email": data["email"][:254], "name": name[:200]}
        self.fail("invalid")
        return {}

    def to_representation(self, value: Any) -> Any:
        return value


class FirstMessageInput(serializers.Serializer[None]):
    text = StrictCharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    html = StrictCharField(required=False, allow_blank=True, default="", help_text="Sanitized before it is stored.")
    internal = StrictBooleanField(
        required=False, default=False, help_text="An internal note instead: nothing goes to the customer."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["html"] = clean_api_html(attrs["html"])
        if not attrs["text"].strip() and attrs["html"]:
            attrs["text"] = get_text(attrs["html"]).strip()
        if not attrs["text"].strip():
            raise serializers.ValidationError({"text": "Write the first message."})
        return attrs


class TicketCreateInput(serializers.Serializer[None]):
    customer = RecipientField()
    channel = StrictCharField(
        max_length=20,
        default="email",
        help_text="Where the first message goes (email, sms: channels whose adapter can start a conversation); "
        "with `direction` `in`, the channel the customer used.",
    )
    subject = StrictCharField(max_length=300, allow_blank=True, required=False, default="")
    message = FirstMessageInput()
    direction = serializers.ChoiceField(
        choices=Direction.choices,
        default="out",
        help_text="`out`: sent to the customer like a reply. `in`: the customer's message (a call, a letter) "
        "logged by the agent on their behalf; nothing is sent.",
    )
    team = serializers.SlugField(
        allow_null=True,
        required=False,
        default=None,
        help_text="The team's slug; agents only their own teams. Without it, the agent's only team.",
    )
    status = serializers.ChoiceField(choices=TicketStatus.choices, required=False, allow_null=True, default=None)
    client_id = StrictCharField(
        required=False,
        allow_null=True,
        default=None,
        max_length=64,
        help_text="Idempotency key: the same key again (same agent and customer) answers the first ticket, "
        "nothing is sent twice.",
    )


class TicketCreatedSerializer(TicketSerializer):
    """The new ticket, with the first message as it was stored (queued for delivery when sent)."""

    message = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = (*TicketSerializer.Meta.fields, "message")
        read_only_fields = fields

    @extend_schema_field(MessageSerializer)
    def get_message(self, obj: Any) -> dict[str, Any]:
        return dict(MessageSerializer(self.context["message"], context=self.context).data)
