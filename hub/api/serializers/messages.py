from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hub.bodies import Body, body_of
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


def _cut_help(what: str) -> str:
    return f"{what}, cut past the display limit (`body_cut`); `body_url` has all of it."


class MessageSerializer(serializers.ModelSerializer[Message]):
    """A message with its bodies cut past ``MESSAGE_DISPLAY_LIMIT_CHARS`` (``hub.bodies``).

    Read from ``with_heads`` rows, a 20 MB mail costs a page of messages its limit, not its size.
    """

    attachments = AttachmentSerializer(many=True, read_only=True)
    text = serializers.SerializerMethodField()
    html = serializers.SerializerMethodField()
    quoted_text = serializers.SerializerMethodField()
    body_cut = serializers.SerializerMethodField()
    body_url = serializers.SerializerMethodField()

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
            "body_cut",
            "body_url",
            "external_id",
            "client_id",
            "delivery_status",
            "delivery_error",
            "delivery_attempts",
            "created_at",
            "attachments",
        )
        read_only_fields = fields

    def _body(self, obj: Message) -> Body:
        # One cut per message, however many fields read it (a list shares this serializer).
        bodies: dict[int, Body] = self.__dict__.setdefault("_bodies", {})
        if obj.pk not in bodies:
            bodies[obj.pk] = body_of(obj)
        return bodies[obj.pk]

    @extend_schema_field(serializers.CharField(help_text=_cut_help("The text the sender wrote now")))
    def get_text(self, obj: Message) -> str:
        return self._body(obj).text.shown

    @extend_schema_field(serializers.CharField(help_text=_cut_help("Sanitized HTML, if the message had any")))
    def get_html(self, obj: Message) -> str:
        return self._body(obj).html.shown

    @extend_schema_field(serializers.CharField(help_text=_cut_help("The quoted history below the text")))
    def get_quoted_text(self, obj: Message) -> str:
        return self._body(obj).quoted_text.shown

    @extend_schema_field(serializers.BooleanField(help_text="Whether text, html or quoted_text is cut here."))
    def get_body_cut(self, obj: Message) -> bool:
        return self._body(obj).cut

    @extend_schema_field(serializers.URLField(help_text="The whole text, html and quoted_text, uncut."))
    def get_body_url(self, obj: Message) -> str:
        path = reverse("api-v1:ticket-message-body", args=[obj.ticket_id, obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class MessageBodySerializer(serializers.ModelSerializer[Message]):
    """A message's whole bodies, however long: asked for one message at a time."""

    class Meta:
        model = Message
        fields = ("id", "text", "html", "quoted_text")
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
