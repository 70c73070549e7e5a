"""Routing rules over the API: admins list, create, change, delete, reorder and dry-run them.

Thin: the serializer validates (naming each problem's place), ``hub.actions.rules`` saves and
logs the change.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from hub.actions.rules import do_delete_rule, do_reorder_rules, do_save_rule
from hub.api.permissions import IsAdmin, IsAgent
from hub.api.schema import LOOKUP, HubAutoSchema
from hub.api.serializers.routing import DryRunSerializer, OrderSerializer, RoutingRuleSerializer
from hub.api.views.base import agent
from hub.models import RoutingRule
from hub.routing.dry_run import dry_run
from hub.routing.schema import RuleSpec


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
    admin_only = "Only admins may change routing rules."
    serializer_class = RoutingRuleSerializer
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    parser_classes = [JSONParser]  # conditions and actions are nested: they have no form encoding
    pagination_class = None  # an ordered list that admins see whole
    queryset = RoutingRule.objects.order_by("position", "id")

    def get_queryset(self) -> QuerySet[RoutingRule]:
        return RoutingRule.objects.order_by("position", "id")

    def _spec(self, serializer: RoutingRuleSerializer, instance: RoutingRule | None) -> RuleSpec:
        fields = ("name", "enabled", "match", "conditions", "actions", "stop", "triggers", "timer")
        data = {f: getattr(instance, f) for f in fields if instance is not None}
        data.update({f: v for f, v in serializer.validated_data.items() if f in fields})
        return RuleSpec.model_validate(data)  # validated by the serializer already

    def _place(self, rule: RoutingRule, serializer: RoutingRuleSerializer) -> None:
        position = serializer.validated_data.get("position")
        if position is not None and position != rule.position:
            rule.position = position
            rule.save(update_fields=["position", "updated_at"])

    def perform_create(self, serializer: RoutingRuleSerializer) -> None:  # type: ignore[override]
        with transaction.atomic():
            rule = do_save_rule(actor=agent(self.request), spec=self._spec(serializer, None))
            self._place(rule, serializer)
        serializer.instance = rule

    def perform_update(self, serializer: RoutingRuleSerializer) -> None:  # type: ignore[override]
        instance = serializer.instance
        assert isinstance(instance, RoutingRule)
        with transaction.atomic():
            rule = do_save_rule(actor=agent(self.request), spec=self._spec(serializer, instance), rule=instance)
            self._place(rule, serializer)
        serializer.instance = rule

    def perform_destroy(self, instance: RoutingRule) -> None:
        do_delete_rule(actor=agent(self.request), rule=instance)

    @extend_schema(
        summary="Put the rules in a new order",
        request=OrderSerializer,
        responses={200: RoutingRuleSerializer(many=True)},
    )
    @action(detail=False, methods=["post"])
    def reorder(self, request: Request) -> Response:
        body = OrderSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            rules = do_reorder_rules(actor=agent(request), order=body.validated_data["order"])
        except ValueError as exc:
            return Response({"order": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(RoutingRuleSerializer(rules, many=True).data)

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
