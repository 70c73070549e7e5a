from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.models import Attachment, Message, TicketEvent
from hub.text import clean_filename


class AttachmentSerializer(serializers.ModelSerializer[Attachment]):
    filename = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ("id", "filename", "content_type", "size", "sha256", "inline", "content_id", "download_url")

    @extend_schema_field(serializers.CharField(help_text="Without bidi controls: the extension reads as it is."))
    def get_filename(self, obj: Attachment) -> str:
        return clean_filename(obj.filename) or "attachment"

    @extend_schema_field(serializers.URLField())
    def get_download_url(self, obj: Attachment) -> str:
        path = reverse("api-v1:attachment-download", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class MessageSerializer(serializers.ModelSerializer[Message]):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = (
            "id",
            "ticket",
            "channel",
            "direction",
            "kind",
            "author_agent",
            "author_customer",
            "sender",
            "subject",
            "text",
            "html",
            "quoted_text",
            "external_id",
            "client_id",
            "delivery_status",
            "delivery_error",
            "delivery_attempts",
            "created_at",
            "attachments",
        )
        read_only_fields = fields


class TicketEventSerializer(serializers.ModelSerializer[TicketEvent]):
    class Meta:
        model = TicketEvent
        fields = ("id", "kind", "actor", "data", "created_at")
        read_only_fields = fields


class SendConflictSerializer(serializers.Serializer[None]):
    """Answer to a held send: the messages written since the one the agent last saw."""

    detail = serializers.CharField()
    newer = MessageSerializer(many=True)


class ErrorSerializer(serializers.Serializer[None]):
    detail = serializers.CharField()
