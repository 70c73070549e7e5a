"""The signed-in agent's presence over the API: online, away or offline."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.actions.presence import do_set_presence
from hub.api.schema import HubAutoSchema
from hub.api.views.base import agent
from hub.models.teams import Presence


class PresenceSerializer(serializers.Serializer[Any]):
    presence = serializers.ChoiceField(
        choices=Presence.choices,
        help_text="Only online agents get new chats and tickets; leaving online hands live chats back.",
    )
    last_seen_at = serializers.DateTimeField(read_only=True, allow_null=True)


class PresenceView(APIView):
    serializer_class = PresenceSerializer
    schema = HubAutoSchema()

    @extend_schema(summary="My presence", responses=PresenceSerializer)
    def get(self, request: Request) -> Response:
        return Response(PresenceSerializer(agent(request)).data)

    @extend_schema(summary="Set my presence", request=PresenceSerializer, responses=PresenceSerializer)
    def put(self, request: Request) -> Response:
        body = PresenceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        me = do_set_presence(agent(request), body.validated_data["presence"])
        return Response(PresenceSerializer(me).data)
