"""SLA policies over the API: admins list, create, change, delete and reorder them.

Thin: the serializer checks each field (naming the problem), ``hub.actions.sla`` saves and logs.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hub.actions.sla import do_delete_sla_policy, do_reorder_sla_policies, do_save_sla_policy
from hub.api.permissions import IsAdmin, IsAgent
from hub.api.schema import LOOKUP, HubAutoSchema
from hub.api.serializers.sla import PolicyOrderSerializer, SlaPolicySerializer
from hub.api.views.base import agent
from hub.models import SlaPolicy
from hub.sla.policies import normalize_policy

FIELDS = ("name", "position", "enabled", "calendar", "targets", "conditions")


@extend_schema_view(
    list=extend_schema(summary="SLA policies, in the order they are tried"),
    retrieve=extend_schema(summary="One SLA policy"),
    create=extend_schema(summary="Add an SLA policy (checked: the answer names each field's problem)"),
    update=extend_schema(summary="Replace an SLA policy"),
    partial_update=extend_schema(summary="Change part of an SLA policy (enable, disable, rename, targets, …)"),
    destroy=extend_schema(
        summary="Delete an SLA policy",
        description="The open tickets it measured are measured no more: their running targets end.",
    ),
)
class SlaPolicyViewSet(viewsets.ModelViewSet[SlaPolicy]):
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    permission_classes = [IsAgent, IsAdmin]
    admin_only = "Only admins may change SLA policies."
    serializer_class = SlaPolicySerializer
    pagination_class = None  # a handful, which admins see whole in their order

    def get_queryset(self) -> QuerySet[SlaPolicy]:
        return SlaPolicy.objects.prefetch_related("organizations").order_by("position", "id")

    def _values(self, serializer: SlaPolicySerializer, instance: SlaPolicy | None) -> dict[str, Any]:
        data: dict[str, Any] = {f: getattr(instance, f) for f in FIELDS if instance is not None}
        if instance is not None:
            data["position"] = None  # stays where it is unless given
        data.update({f: v for f, v in serializer.validated_data.items() if f in FIELDS})
        return normalize_policy(**data)  # checked field by field by the serializer already

    def perform_create(self, serializer: SlaPolicySerializer) -> None:  # type: ignore[override]
        values = self._values(serializer, None)
        serializer.instance = do_save_sla_policy(actor=agent(self.request), policy=None, values=values)

    def perform_update(self, serializer: SlaPolicySerializer) -> None:  # type: ignore[override]
        instance = serializer.instance
        assert isinstance(instance, SlaPolicy)
        values = self._values(serializer, instance)
        serializer.instance = do_save_sla_policy(actor=agent(self.request), policy=instance, values=values)

    def perform_destroy(self, instance: SlaPolicy) -> None:
        do_delete_sla_policy(actor=agent(self.request), policy=instance)

    @extend_schema(
        summary="Put the policies in a new order",
        request=PolicyOrderSerializer,
        responses={200: SlaPolicySerializer(many=True)},
    )
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request) -> Response:
        body = PolicyOrderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            policies = do_reorder_sla_policies(actor=agent(request), order=body.validated_data["order"])
        except ValueError as exc:
            return Response({"order": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(SlaPolicySerializer(policies, many=True).data)
