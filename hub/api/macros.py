"""Macros over the API: agents list those they may use and apply them; admins and leads keep
the shared ones, every agent their own (``hub.macros``, as canned replies).

``GET /api/v1/macros/`` (``?q=`` part of a title, ``?usable=1`` only those the agent may apply),
CRUD at ``/api/v1/macros/{id}/``, ``POST /api/v1/macros/{id}/apply/`` with ``ticket_ids``
(the inbox's bulk bar) and ``POST /api/v1/tickets/{id}/macros/{macro_id}/apply/``. Thin: the
serializer reads, ``hub.actions.macros`` checks, saves and applies.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hub import macros
from hub.access import visible_tickets
from hub.actions.macros import (
    MAX_TICKETS,
    Applied,
    MacroError,
    MacroValues,
    apply_macro,
    do_delete_macro,
    do_save_macro,
)
from hub.api.schema import LOOKUP, NOT_FOUND, HubAutoSchema
from hub.api.views.base import agent, schema_only
from hub.models import Agent, AssignTo, CannedReply, CannedScope, Macro, Priority, Team, TicketStatus
from hub.text import whole_number


# The ticket's own choice sets, documented once where tickets name them: the schema would
# otherwise carry a second enum of the same values under another name.
@extend_schema_field(OpenApiTypes.STR)
class _Named(serializers.ChoiceField):
    pass


@extend_schema_field(OpenApiTypes.INT)
class _Numbered(serializers.ChoiceField):
    pass


# What a client may write, as ``MacroValues`` names it.
VALUE_FIELDS = tuple(f.name for f in fields(MacroValues))


class MacroSerializer(serializers.ModelSerializer[Macro]):
    scope = serializers.ChoiceField(choices=CannedScope.choices)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    set_status = _Named(
        choices=TicketStatus.choices,
        required=False,
        allow_blank=True,
        help_text="One of the ticket statuses (as in /tickets/{id}/status/); blank: left as it is.",
    )
    set_priority = _Numbered(
        choices=Priority.choices,
        required=False,
        allow_null=True,
        help_text="1 low, 2 normal, 3 high, 4 urgent; null: left as it is.",
    )
    set_team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False, allow_null=True)
    assign = serializers.ChoiceField(choices=AssignTo.choices, required=False, allow_blank=True)
    assignee = serializers.PrimaryKeyRelatedField(queryset=Agent.objects.all(), required=False, allow_null=True)
    add_tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=20)
    remove_tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False, max_length=20)
    snooze_minutes = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    reply = serializers.PrimaryKeyRelatedField(queryset=CannedReply.objects.all(), required=False, allow_null=True)
    summary = serializers.SerializerMethodField(help_text="What the macro does, one line per action.")
    may_manage = serializers.SerializerMethodField()

    class Meta:
        model = Macro
        fields = [
            "id",
            "title",
            "scope",
            "team",
            "set_status",
            "set_priority",
            "set_team",
            "assign",
            "assignee",
            "add_tags",
            "remove_tags",
            "snooze_minutes",
            "reply",
            "send_reply",
            "usage_count",
            "summary",
            "may_manage",
        ]
        read_only_fields = ["usage_count"]

    def get_summary(self, macro: Macro) -> list[str]:
        return macros.summary(macro)

    def get_may_manage(self, macro: Macro) -> bool:
        return macros.may_manage(self.context["agent"], macro)

    def values(self, instance: Macro | None) -> MacroValues:
        """The request's values over the macro's own (a PATCH names only some)."""
        current = {f: getattr(instance, f) for f in VALUE_FIELDS} if instance is not None else {}
        merged = current | dict(self.validated_data)
        merged["set_status"] = merged.get("set_status") or ""
        merged["assign"] = merged.get("assign") or ""
        return MacroValues(**merged)


class AppliedSerializer(serializers.Serializer[Applied]):
    ticket_id = serializers.IntegerField()
    draft = serializers.CharField(help_text="The rendered reply left in the agent's draft; empty if none or sent.")
    unknown = serializers.ListField(child=serializers.CharField(), help_text="Placeholders nobody knows.")
    empty = serializers.ListField(child=serializers.CharField(), help_text="Placeholders without a value.")
    sent_message_id = serializers.IntegerField(allow_null=True)
    not_sent = serializers.CharField(help_text="Why a reply to send was left as a draft instead.")
    left_out = serializers.ListField(
        child=serializers.CharField(),
        help_text="Changes the macro would make that the agent may not make by hand (a personal macro's team "
        "outside their own, an assignee who would not see the ticket), left out.",
    )


class ApplyManySerializer(serializers.Serializer[dict[str, Any]]):
    ticket_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=MAX_TICKETS
    )


def _refused(error: MacroError) -> ValidationError:
    return ValidationError({error.field or "non_field_errors": [str(error)]})


@extend_schema_view(
    list=extend_schema(
        summary="Macros the agent may use (and, for admins and leads, every shared one)",
        parameters=[
            OpenApiParameter("q", str, description="Part of the title."),
            OpenApiParameter("usable", bool, description="Only those the agent may apply, the most used first."),
        ],
    ),
    retrieve=extend_schema(summary="One macro"),
    create=extend_schema(summary="Add a macro (team and global ones: admins and leads)"),
    update=extend_schema(summary="Replace a macro"),
    partial_update=extend_schema(summary="Change part of a macro"),
    destroy=extend_schema(summary="Delete a macro; what it changed on tickets stays"),
)
class MacroViewSet(viewsets.ModelViewSet[Macro]):
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    serializer_class = MacroSerializer
    pagination_class = None  # tens, which the menu shows whole

    def get_queryset(self) -> QuerySet[Macro]:
        if schema_only(self):
            return Macro.objects.none()
        me = agent(self.request)
        found = macros.listed_for(me).select_related("reply", "set_team", "assignee__user", "team")
        if self.action == "list" and self.request.query_params.get("usable") in ("1", "true"):
            found = macros.usable_by(me).select_related("reply", "set_team", "assignee__user", "team")
        query = self.request.query_params.get("q", "") if self.action == "list" else ""
        ids = [m.pk for m in found if macros.matches(m, query[:80])] if query else None
        if ids is not None:
            found = found.filter(pk__in=ids)
        return found.order_by("-usage_count", "title", "pk")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        if not schema_only(self):
            context["agent"] = agent(self.request)
        return context

    def _managed(self) -> Macro:
        macro = self.get_object()
        if not macros.may_manage(agent(self.request), macro):
            raise PermissionDenied("You may look at this macro but not change it.")
        return macro

    def perform_create(self, serializer: MacroSerializer) -> None:  # type: ignore[override]
        try:
            serializer.instance, _changes = do_save_macro(agent(self.request), None, serializer.values(None))
        except MacroError as error:
            raise _refused(error) from None

    def perform_update(self, serializer: MacroSerializer) -> None:  # type: ignore[override]
        macro = self._managed()
        try:
            serializer.instance, _changes = do_save_macro(agent(self.request), macro, serializer.values(macro))
        except MacroError as error:
            raise _refused(error) from None

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        do_delete_macro(agent(request), self._managed())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Apply the macro to several tickets (those outside the agent's scope are left out)",
        request=ApplyManySerializer,
        responses={200: AppliedSerializer(many=True), 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def apply(self, request: Request, pk: str | None = None) -> Response:
        me = agent(request)
        macro = get_object_or_404(macros.usable_by(me), pk=self.get_object().pk)
        body = ApplyManySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            applied = apply_macro(me, body.validated_data["ticket_ids"], macro)
        except MacroError as error:
            raise _refused(error) from None
        return Response([AppliedSerializer(one).data for one in applied])


class ApplyToTicketView(APIView):
    """``POST /api/v1/tickets/{id}/macros/{macro_id}/apply/``: the ticket header's one step."""

    schema = HubAutoSchema()

    @extend_schema(
        summary="Apply a macro to one ticket",
        description="Each change lands in the ticket's timeline; the canned reply is left in the agent's "
        "draft, or sent when the macro says so and nothing stands in the way.",
        request=None,
        responses={200: AppliedSerializer, 404: NOT_FOUND},
    )
    def post(self, request: Request, pk: str, macro_id: str) -> Response:
        me = agent(request)
        ticket_pk, macro_pk = whole_number(pk), whole_number(macro_id)
        if ticket_pk is None or macro_pk is None:
            raise NotFound("No such ticket or macro.")
        ticket = get_object_or_404(visible_tickets(me), pk=ticket_pk)
        macro = get_object_or_404(macros.usable_by(me), pk=macro_pk)
        try:
            applied = apply_macro(me, [ticket.pk], macro)
        except MacroError as error:
            raise _refused(error) from None
        if not applied:
            raise PermissionDenied("You may not change this ticket.")
        return Response(AppliedSerializer(applied[0]).data)
