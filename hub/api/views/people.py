from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from hub.api.schema import LOOKUP, HubAutoSchema
from hub.api.serializers.people import AgentSerializer, TeamSerializer
from hub.models import Agent, Team


@extend_schema_view(list=extend_schema(summary="All teams"), retrieve=extend_schema(summary="One team"))
class TeamViewSet(viewsets.ReadOnlyModelViewSet[Team]):
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    serializer_class = TeamSerializer
    # Teams are few and every client wants all of them at once (filters, pickers).
    pagination_class = None
    queryset = Team.objects.order_by("name")


@extend_schema_view(list=extend_schema(summary="Active agents"), retrieve=extend_schema(summary="One agent"))
class AgentViewSet(viewsets.ReadOnlyModelViewSet[Agent]):
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    serializer_class = AgentSerializer
    pagination_class = None  # the assignee picker lists them all

    def get_queryset(self) -> QuerySet[Agent]:
        return (
            Agent.objects.filter(user__is_active=True)
            .select_related("user")
            .prefetch_related("teams")
            .order_by("user__first_name", "user__last_name", "user__username")
        )
