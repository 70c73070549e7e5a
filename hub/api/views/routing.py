"""Routing rules over the API: admins list, create, change, delete, reorder and dry-run them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from hub.api.permissions import IsAgent
from hub.api.serializers.routing import DryRunSerializer, OrderSerializer, RoutingRuleSerializer
from hub.models import Role, RoutingRule
from hub.models.routing import rules_changed
from hub.routing.dry_run import dry_run
from hub.routing.schema import RuleSpec


class IsAdmin(BasePermission):
    """Admins only: rules decide where every customer's message goes."""

    message = "Only admins may change routing rules."

    def has_permission(self, request: Request, view: Any) -> bool:
        agent = getattr(request, "agent", None)
        return agent is not None and agent.role == Role.ADMIN


@extend_schema_view(
    list=extend_schema(summary="Routing rules, in the order they run"),
    retrieve=extend_schema(summary="One routing rule"),
    create=extend_schema(summary="Add a routing rule (validated: the answer names each wrong condition or action)"),
    update=extend_schema(summary="Replace a routing rule"),
    partial_update=extend_schema(summary="Change part of a routing rule (enable, disable, rename, …)"),
    destroy=extend_schema(summary="Delete a routing rule"),
)
class RoutingRuleViewSet(viewsets.ModelViewSet[RoutingRule]):
    permission_classes = [IsAgent, IsAdmin]
    serializer_class = RoutingRuleSerializer
    pagination_class = None  # an ordered list that admins see whole
    queryset = RoutingRule.objects.order_by("position", "id")

    def get_queryset(self) -> QuerySet[RoutingRule]:
        return RoutingRule.objects.order_by("position", "id")

    def perform_create(self, serializer: RoutingRuleSerializer) -> None:  # type: ignore[override]
        if "position" not in serializer.validated_data:
            last = RoutingRule.objects.order_by("-position").values_list("position", flat=True).first()
            serializer.save(position=(last + 1) if last is not None else 0)
        else:
            serializer.save()

    @extend_schema(
        summary="Put the rules in a new order",
        request=OrderSerializer,
        responses={200: RoutingRuleSerializer(many=True)},
    )
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request) -> Response:
        body = OrderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order: list[int] = body.validated_data["order"]
        with transaction.atomic():
            rules = {rule.pk: rule for rule in RoutingRule.objects.select_for_update().order_by("pk")}
            if sorted(order) != sorted(rules) or len(set(order)) != len(order):
                return Response(
                    {"order": ["name every rule's id once: " + ", ".join(str(pk) for pk in sorted(rules))]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            for position, pk in enumerate(order):
                rules[pk].position = position
            RoutingRule.objects.bulk_update(list(rules.values()), ["position"])
            rules_changed()  # bulk_update sends no signal
        return Response(RoutingRuleSerializer(sorted(rules.values(), key=lambda r: r.position), many=True).data)

    @extend_schema(
        summary="Try draft rules on the latest tickets without changing anything",
        request=DryRunSerializer,
        responses={200: OpenApiResponse(description="Per ticket the first matching rule and the changes; totals.")},
    )
    @action(detail=False, methods=["post"], url_path="dry-run")
    def dry_run(self, request: Request) -> Response:
        body = DryRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        specs = [RuleSpec.model_validate(rule) for rule in body.validated_data["rules"]]
        return Response(dry_run(specs, last=body.validated_data["last"], trigger=body.validated_data["trigger"]))
