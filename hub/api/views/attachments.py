from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.request import Request

from hub.access import visible_tickets
from hub.api.schema import HubAutoSchema
from hub.api.views.base import agent, schema_only
from hub.downloads import IMAGES, file_response
from hub.models import Attachment
from hub.text import clean_filename

# Types a browser renders without running anything. Everything else (HTML, SVG, PDF, scripts,
# office files) is served as a download of an opaque type, whatever the sender claimed.
# Audio plays in the timeline's player (call recordings, voice messages); the browser decodes it
# as media, never as a document, and the sandbox CSP below still applies.
INLINE_SAFE = IMAGES | {
    "text/plain",
    "audio/mpeg",
    "audio/wav",
    "audio/x-wav",
    "audio/ogg",
    "audio/webm",
    "audio/mp4",
}


class AttachmentDownloadView(generics.GenericAPIView[Attachment]):
    schema = HubAutoSchema()

    def get_queryset(self) -> QuerySet[Attachment]:
        if schema_only(self):
            return Attachment.objects.none()
        return Attachment.objects.filter(message__ticket__in=visible_tickets(agent(self.request)).values("pk"))

    @extend_schema(
        summary="Download an attachment",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            # The row outlived its file (a restore without media); say so rather than fail.
            raise Http404("The file of this attachment is missing.") from None
        return file_response(
            handle,
            content_type=attachment.content_type.split(";")[0].strip().lower(),
            # Stored before names were cleaned, a name may still carry a right-to-left override.
            filename=clean_filename(attachment.filename) or "attachment",
            shown=INLINE_SAFE,
        )
