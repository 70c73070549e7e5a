from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, QuerySet
from django.db.models.functions import Left
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from hub.access import visible_customers, visible_tickets
from hub.actions import do_update_customer
from hub.actions.contacts import do_set_customer_organization, reachable_customers
from hub.actions.customer_merge import UNDO_WINDOW, do_merge_into, do_undo_recent_merge
from hub.actions.customers import MergeError, MergeNotAllowed
from hub.api.filters import CustomerFilter
from hub.api.pagination import NewestFirst
from hub.api.schema import LOOKUP, HubAutoSchema
from hub.api.serializers.customers import (
    CustomerDetailSerializer,
    CustomerSerializer,
    CustomerUpdateSerializer,
    MergeInput,
    MergeSerializer,
)
from hub.api.serializers.messages import ErrorSerializer
from hub.api.views.base import agent, schema_only
from hub.api.views.contacts import CustomerContactsMixin
from hub.models import Agent, Customer, CustomerMerge, Direction, Message, MessageKind

CROSS_TEAM = "It would move tickets of teams the agent cannot see: leads and admins decide those."
# The timeline is a glance, not an archive: the ticket list links on to the rest.
TIMELINE_TICKETS = 50
TIMELINE_MESSAGES = 20


def timeline(customer: Customer, viewer: Agent) -> dict[str, Any]:
    """The customer's tickets and recent messages on every channel, as far as ``viewer`` may see."""
    tickets = visible_tickets(viewer).filter(customer=customer)
    messages = Message.objects.filter(ticket__in=tickets.values("pk")).exclude(kind=MessageKind.SYSTEM)
    channels = (
        messages.filter(direction=Direction.INBOUND)
        .values("channel")
        .annotate(last_contact_at=Max("created_at"), messages=Count("id"))
        .order_by("-last_contact_at")
    )
    recent = messages.annotate(preview=Left("text", 200)).order_by("-created_at", "-id")[:TIMELINE_MESSAGES]
    return {
        "ticket_count": tickets.count(),
        "tickets": list(tickets.order_by("-last_activity_at", "-id")[:TIMELINE_TICKETS]),
        "recent_messages": list(recent),
        "channels": list(channels),
    }


@extend_schema_view(
    list=extend_schema(summary="Customers the agent may see; search by name or identity"),
    retrieve=extend_schema(summary="One customer with identities and cross-channel timeline"),
)
class CustomerViewSet(CustomerContactsMixin, viewsets.ReadOnlyModelViewSet[Customer]):
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    filterset_class = CustomerFilter
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Customer]:
        if schema_only(self):
            return Customer.objects.none()
        # One customer by id: also those without any ticket yet (``reachable_customers``).
        me = agent(self.request)
        customers = visible_customers(me) if self.action == "list" else reachable_customers(me)
        if self.action == "list":
            # A merged customer is an empty shell; its identities and tickets live on the target.
            customers = customers.filter(merged_into__isnull=True)
        return customers.select_related("organization").prefetch_related("identities")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return CustomerDetailSerializer if self.action == "retrieve" else CustomerSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        context = {**self.get_serializer_context(), "timeline": timeline(customer, agent(request))}
        return Response(CustomerDetailSerializer(customer, context=context).data)

    @extend_schema(
        summary="Change a customer's name, organization, language, segment, VIP flag or custom attributes",
        request=CustomerUpdateSerializer,
        responses={200: CustomerSerializer},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        customer = self.get_object()
        body = CustomerUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        if "organization" in changes:
            do_set_customer_organization(customer, changes.pop("organization"), actor=agent(request))
        try:
            changed = do_update_customer(customer, actor=agent(request), changes=changes)
        except ValueError as exc:  # attributes that together pass a limit
            return Response({"attributes": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(CustomerSerializer(changed, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Merge this customer into another",
        description=(
            "The target takes over the identities, tickets and messages, and the facts it has none of "
            "(name, organization, language, time zone, segment, custom attributes); where both hold "
            "a value the target keeps its own, listed in `conflicts`. Undo within `undo_until`."
        ),
        request=MergeInput,
        responses={
            201: MergeSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Not mergeable."),
            403: OpenApiResponse(ErrorSerializer, description=CROSS_TEAM),
        },
    )
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        source = self.get_object()
        serializer = MergeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        # Both sides must be visible: an agent cannot pull in a customer they cannot see.
        target = get_object_or_404(visible_customers(agent(request)), pk=serializer.validated_data["into"])
        try:
            # As in the workspace: the target takes over the facts it lacks (recorded for the undo).
            merge = do_merge_into(source, target, actor=agent(request))
        except MergeNotAllowed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except MergeError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(MergeSerializer(merge).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="Customer merges into customers the agent may see"),
    retrieve=extend_schema(summary="One customer merge"),
)
class MergeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[CustomerMerge]):
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    serializer_class = MergeSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[CustomerMerge]:
        if schema_only(self):
            return CustomerMerge.objects.none()
        # The target holds what moved; whoever may see it may see and undo the merge.
        return CustomerMerge.objects.filter(target__in=visible_customers(agent(self.request)).values("pk"))

    @extend_schema(
        summary="Undo a merge",
        description=(
            f"Within {UNDO_WINDOW.total_seconds() // 60:.0f} minutes of the merge (`undo_until`): "
            "the source gets back what moved, and the target gives back the facts it took over "
            "unless they were changed since."
        ),
        request=None,
        responses={
            200: MergeSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Already undone, or the time to undo it has passed."),
            403: OpenApiResponse(ErrorSerializer, description=CROSS_TEAM),
        },
    )
    @action(detail=True, methods=["post"])
    def undo(self, request: Request, pk: str | None = None) -> Response:
        merge = self.get_object()
        try:
            do_undo_recent_merge(merge, actor=agent(request))
        except MergeNotAllowed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except MergeError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        merge.refresh_from_db()
        return Response(MergeSerializer(merge).data)
