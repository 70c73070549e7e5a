"""Business calendars over the API: admins list, create, change and delete them, and preview a due time.

Thin: the serializer checks (naming each field's problem), ``hub.actions.calendars`` saves,
deletes and logs; ``due`` asks the calendar's arithmetic what an SLA or timer would.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from hub import calendars
from hub.actions.calendars import CalendarInUse, do_delete_calendar, do_save_calendar
from hub.api.permissions import IsAdmin, IsAgent
from hub.api.schema import INVALID, LOOKUP, HubAutoSchema
from hub.api.serializers.calendars import BusinessCalendarSerializer, DueQuerySerializer, DueSerializer
from hub.api.serializers.messages import ErrorSerializer
from hub.api.views.base import agent
from hub.business_time import NeverOpen
from hub.models import BusinessCalendar


@extend_schema_view(
    list=extend_schema(summary="Business calendars, by name"),
    retrieve=extend_schema(summary="One business calendar"),
    create=extend_schema(summary="Add a business calendar (checked: the answer names each field's problem)"),
    update=extend_schema(summary="Replace a business calendar"),
    partial_update=extend_schema(summary="Change part of a business calendar"),
    destroy=extend_schema(
        summary="Delete a business calendar",
        description="Teams that used it are always open afterwards; a calendar an SLA policy uses is "
        "refused (409) with the policies named.",
        responses={204: None, 409: ErrorSerializer},
    ),
)
class BusinessCalendarViewSet(viewsets.ModelViewSet[BusinessCalendar]):
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    permission_classes = [IsAgent, IsAdmin]
    admin_only = "Only admins may change business calendars."
    serializer_class = BusinessCalendarSerializer
    pagination_class = None  # a handful, which admins see whole
    parser_classes = [JSONParser]  # nested hours and holidays have no form encoding

    def get_queryset(self) -> QuerySet[BusinessCalendar]:
        return BusinessCalendar.objects.prefetch_related("teams").order_by("name")

    def perform_create(self, serializer: BusinessCalendarSerializer) -> None:  # type: ignore[override]
        serializer.instance, _changes = do_save_calendar(actor=agent(self.request), values=serializer.validated_data)

    def perform_update(self, serializer: BusinessCalendarSerializer) -> None:  # type: ignore[override]
        instance = serializer.instance
        assert isinstance(instance, BusinessCalendar)
        serializer.instance, _changes = do_save_calendar(
            actor=agent(self.request), values=serializer.validated_data, calendar=instance
        )

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            do_delete_calendar(actor=agent(request), calendar=self.get_object())
        except CalendarInUse as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="When N business minutes from a moment are over, by this calendar (a preview)",
        parameters=[DueQuerySerializer],
        responses={200: DueSerializer, 400: INVALID},
    )
    @action(detail=True, methods=["get"])
    def due(self, request: Request, pk: str | None = None) -> Response:
        calendar = self.get_object()
        query = DueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, minutes = query.validated_data["start"], query.validated_data["minutes"]
        arithmetic = calendars.of(calendar)
        try:
            due = arithmetic.add(start, timedelta(minutes=minutes))
            shown = due.astimezone(arithmetic.zone)
        except NeverOpen:
            raise ValidationError({"minutes": ["the calendar is not open for that long within five years"]}) from None
        except OverflowError:
            raise ValidationError({"start": ["too near the first or last year a date can have"]}) from None
        return Response({"due_at": shown.isoformat()})
