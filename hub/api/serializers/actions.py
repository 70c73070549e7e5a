"""Inputs of the ticket actions. They validate and clean; the state change is hub.actions'."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from inscriptis import get_text
from rest_framework import serializers

from hub.models import Agent, Priority, Team, TicketStatus
from hub.richtext import clean_api_html


class ReplyInput(serializers.Serializer[None]):
    text = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, default="")
    html = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Sanitized before it is stored."
    )
    channel = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        max_length=20,
        help_text="Reply on this channel; by default where `reply-route` says.",
    )
    client_id = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        max_length=64,
        help_text="Idempotency key: the same key again returns the first message, nothing is sent twice.",
    )
    seen_message_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The newest message the agent has seen; newer ones from others hold the send (409).",
    )
    after_message_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        help_text=(
            "The newest message when the agent started writing. If the customer has been answered"
            " since by someone else (another agent's reply or an automatic message), the send is held"
            " (409, with those messages), even if the agent has seen them meanwhile. Notes never hold it."
        ),
    )
    status = serializers.ChoiceField(choices=TicketStatus.choices, required=False, allow_null=True, default=None)

    def validate_html(self, value: str) -> str:
        # Stored HTML is always nh3-clean, whoever sent it.
        return clean_api_html(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs["text"].strip():
            attrs["text"] = get_text(attrs["html"]).strip() if attrs["html"] else ""
        if not attrs["text"].strip():
            raise serializers.ValidationError({"text": _("A reply needs text.")})
        return attrs


class NoteInput(serializers.Serializer[None]):
    text = serializers.CharField(trim_whitespace=False)
    client_id = serializers.CharField(required=False, allow_null=True, default=None, max_length=64)

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError(_("A note needs text."))
        return value


class AssignInput(serializers.Serializer[None]):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=Agent.objects.filter(user__is_active=True),
        allow_null=True,
        help_text="An agent id, or null to unassign.",
    )


class TeamInput(serializers.Serializer[None]):
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), allow_null=True, help_text="A team id, or null for no team."
    )


class StatusInput(serializers.Serializer[None]):
    status = serializers.ChoiceField(choices=TicketStatus.choices)


class PriorityInput(serializers.Serializer[None]):
    priority = serializers.ChoiceField(choices=Priority.choices)


class TagsInput(serializers.Serializer[None]):
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64),
        allow_empty=True,
        max_length=50,
        help_text="The full set of tags; tags not listed are removed.",
    )


class MoveInput(serializers.Serializer[None]):
    ticket = serializers.IntegerField(min_value=1, help_text="The ticket the message moves to.")


class ReplyRouteSerializer(serializers.Serializer[None]):
    channel = serializers.CharField(help_text="The channel a reply goes out on.")
    usable = serializers.BooleanField(help_text="Whether a reply can go out now.")
    reason = serializers.CharField(help_text="Why not, for the agent; empty when usable.")
    recipient = serializers.CharField(help_text="Whom the reply reaches (an address, a number), if anyone.")
    instead_of = serializers.CharField(
        help_text="The channel the customer wrote on, when the reply goes elsewhere (a chat answered by email)."
    )
