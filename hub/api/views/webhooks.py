"""Webhooks over the API: admins (and integrations with an Administration token) set them up,
test them, replace their secret and read their deliveries. Thin: ``hub.actions.webhooks`` saves
and audits; the secret is shown when made and when replaced, never when read."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from hub.actions.webhooks import do_delete_webhook, do_rotate_secret, do_save_webhook, do_send_test
from hub.api.permissions import IsAdmin, IsAgent
from hub.api.schema import LOOKUP, HubAutoSchema
from hub.api.serializers.webhooks import (
    DeliverySerializer,
    SecretSerializer,
    WebhookCreatedSerializer,
    WebhookSerializer,
    values,
)
from hub.api.views.base import agent
from hub.models import Webhook


def etag(webhook: Webhook) -> str:
    """The webhook's version as an entity tag: it changes with every save and automatic pause."""
    return f'"{int(webhook.updated_at.timestamp() * 1_000_000)}"'


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description="The ETag of the webhook as read; answered 412 when it changed since (another "
    "admin's change, an automatic pause). Without it the change is applied to the webhook as it is.",
)


class DeliveryPages(PageNumberPagination):
    page_size = 50


@extend_schema_view(
    list=extend_schema(summary="Webhooks"),
    retrieve=extend_schema(summary="One webhook (without its secret)"),
    create=extend_schema(
        summary="Add a webhook; the answer holds its signing secret", responses=WebhookCreatedSerializer
    ),
    update=extend_schema(summary="Replace a webhook's settings", parameters=[IF_MATCH]),
    partial_update=extend_schema(summary="Change part of a webhook (pause it, other events, …)", parameters=[IF_MATCH]),
    destroy=extend_schema(summary="Delete a webhook and its deliveries"),
)
class WebhookViewSet(viewsets.ModelViewSet[Webhook]):
    permission_classes = [IsAgent, IsAdmin]
    admin_only = "Only admins may see and change webhooks."
    serializer_class = WebhookSerializer
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    pagination_class = None  # a short list admins see whole

    def get_queryset(self) -> QuerySet[Webhook]:
        return Webhook.objects.select_related("team").order_by("name", "pk")

    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        body = WebhookSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        webhook, _changes = do_save_webhook(agent(request), None, **values(body.validated_data, None))
        return Response(WebhookCreatedSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def retrieve(self, request: Request, *args: object, **kwargs: object) -> Response:
        instance = self.get_object()
        return Response(WebhookSerializer(instance).data, headers={"ETag": etag(instance)})

    def update(self, request: Request, *args: object, **kwargs: object) -> Response:
        drawn_at = timezone.now()  # what the client changes is the webhook as read from here on
        instance = self.get_object()
        expected = request.headers.get("If-Match", "").strip()
        tags = {e.strip().removeprefix("W/") for e in expected.split(",")}
        if expected and expected != "*" and etag(instance) not in tags:
            # Read before a change (an admin's, the automatic pause): a change built on that read
            # would undo what the client never saw, such as resuming a webhook paused since.
            return Response(
                {"detail": _("This webhook was changed since you read it. Read it again, then send your change.")},
                status=status.HTTP_412_PRECONDITION_FAILED,
                headers={"ETag": etag(instance)},
            )
        body = WebhookSerializer(instance, data=request.data, partial=bool(kwargs.get("partial", False)))
        body.is_valid(raise_exception=True)
        sent = dict(body.validated_data)
        if "active" not in request.data:
            sent.pop("active", None)  # a PUT without it keeps the state, paused or not (not DRF's default)
        fields = values(sent, instance)
        webhook, _changes = do_save_webhook(agent(request), instance, **fields, drawn_at=drawn_at)
        return Response(WebhookSerializer(webhook).data, headers={"ETag": etag(webhook)})

    def perform_destroy(self, instance: Webhook) -> None:
        do_delete_webhook(agent(self.request), instance)

    @extend_schema(summary="Replace the signing secret; the answer holds the new one", request=None,
                   responses=SecretSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def secret(self, request: Request, pk: str | None = None) -> Response:
        return Response({"secret": do_rotate_secret(agent(request), self.get_object())})

    @extend_schema(summary="Send the test event “ping” now; the answer is its delivery with the receiver's answer",
                   request=None, responses=DeliverySerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, pk: str | None = None) -> Response:
        return Response(DeliverySerializer(do_send_test(agent(request), self.get_object())).data)

    @extend_schema(summary="The webhook's deliveries, newest first", responses=DeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        rows = self.get_object().deliveries.order_by("-created_at", "-pk")
        pages = DeliveryPages()
        page = pages.paginate_queryset(rows, request, view=self)
        return pages.get_paginated_response(DeliverySerializer(page, many=True).data)
