from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from hub.access import assignee_choices, may_clear_team, visible_tickets
from hub.actions import (
    ChannelUnavailable,
    MoveError,
    ResendError,
    SendConflict,
    do_add_note,
    do_assign,
    do_move_message,
    do_reply,
    do_resend,
    do_set_priority,
    do_set_status,
    do_set_tags,
    do_set_team,
    do_split_message,
)
from hub.adapters import UnknownChannel
from hub.api.filters import TicketFilter
from hub.api.pagination import ActivityKeyset, SlaDueKeyset, TimelineKeyset, timeline_link
from hub.api.schema import LOOKUP, HubAutoSchema
from hub.api.serializers.actions import (
    AssignInput,
    MoveInput,
    NoteInput,
    PriorityInput,
    ReplyInput,
    ReplyRouteSerializer,
    StatusInput,
    TagsInput,
    TeamInput,
)
from hub.api.serializers.messages import (
    ErrorSerializer,
    MessageBodySerializer,
    MessageSerializer,
    SendConflictSerializer,
    TicketEventSerializer,
)
from hub.api.serializers.tickets import LIST_COLUMNS, TicketDetailSerializer, TicketSerializer, Window, ticket_rows
from hub.api.views.base import agent, schema_only
from hub.api.views.ticket_create import TicketCreateMixin
from hub.bodies import windowed, with_heads
from hub.models import Message, Tag, Ticket, TicketEvent
from hub.replies import reply_route

_LIST_JOINS = ("customer", "team", "assignee__user", "sla_policy")
# The ticket's SLA clocks, for its ``sla``: one query for any number of tickets.
_SLA_CLOCKS = "sla_clocks"
# The detail opens at the latest messages and events, as the agent's timeline does.
DETAIL_WINDOW = 50


def _tags() -> Prefetch[Any]:
    """Tags by name, the order the list shows them in."""
    return Prefetch("tags", queryset=Tag.objects.order_by("name"))


def _count(model: type[Message] | type[TicketEvent]) -> Coalesce:
    """How many rows of ``model`` belong to the ticket, as a subquery on its row."""
    rows = model.objects.filter(ticket=OuterRef("pk")).order_by().values("ticket").annotate(n=Count("pk"))
    return Coalesce(Subquery(rows.values("n")), 0)


def _window(rows: QuerySet[Any], total: int, request: Request, url: str) -> Window:
    """The latest ``DETAIL_WINDOW`` of ``rows`` (oldest first) and the link to the older ones.

    One query (two with the attachments of messages) whatever the total: the newest rows come
    off the (ticket, created_at) index and the rest is left to ``url``, a TimelineKeyset list.
    """
    latest = windowed(rows, ("-created_at", "-id"), DETAIL_WINDOW + 1)
    more = len(latest) > DETAIL_WINDOW
    latest = latest[:DETAIL_WINDOW]
    older = timeline_link(request, url, (latest[-1].created_at, latest[-1].pk)) if more else None
    latest.reverse()
    return Window(latest, max(total, len(latest)), older)


def _fresh(ticket: Ticket) -> Ticket:
    """The ticket as it is after an action, loaded the way the serializer wants it."""
    return Ticket.objects.select_related(*_LIST_JOINS).prefetch_related(_tags(), _SLA_CLOCKS).get(pk=ticket.pk)


@extend_schema_view(
    list=extend_schema(summary="Tickets the agent may see, newest activity first"),
    retrieve=extend_schema(
        summary="One ticket with its latest messages and events",
        description=f"At most {DETAIL_WINDOW} messages and {DETAIL_WINDOW} events, the latest, oldest first; "
        "`messages_next` and `events_next` page on to older ones.",
    ),
)
class TicketViewSet(TicketCreateMixin, viewsets.ReadOnlyModelViewSet[Ticket]):
    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    filterset_class = TicketFilter
    pagination_class = ActivityKeyset

    @property
    def paginator(self) -> BasePagination | None:
        """``?ordering=sla_due_at`` pages by due time, soonest first (``TicketFilter`` checks it)."""
        if not hasattr(self, "_paginator"):
            due = self.pagination_class is ActivityKeyset and self.request.query_params.get("ordering") == "sla_due_at"
            self._paginator = SlaDueKeyset() if due else self.pagination_class()
        return self._paginator

    def get_queryset(self) -> QuerySet[Ticket]:
        if schema_only(self):
            return Ticket.objects.none()
        tickets = visible_tickets(agent(self.request))
        if self.action == "retrieve":
            # The totals come with the ticket's row (index-only counts); the windows in retrieve.
            return (
                tickets.select_related(*_LIST_JOINS)
                .prefetch_related(_tags(), _SLA_CLOCKS)
                .annotate(messages_total=_count(Message), events_total=_count(TicketEvent))
            )
        return tickets

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # A page as plain values: the JSON of TicketSerializer (which still documents it, see
        # get_serializer_class), built by ticket_rows without model instances.
        rows = self.paginate_queryset(self.filter_queryset(self.get_queryset()).values(*LIST_COLUMNS))
        return self.get_paginated_response(ticket_rows(rows or []))

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return TicketDetailSerializer if self.action == "retrieve" else TicketSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ticket = self.get_object()
        context = {
            **self.get_serializer_context(),
            "messages": _window(
                with_heads(ticket.messages.prefetch_related("attachments")),
                getattr(ticket, "messages_total", 0),
                request,
                reverse("api-v1:ticket-messages", args=[ticket.pk]),
            ),
            "events": _window(
                ticket.events.all(),
                getattr(ticket, "events_total", 0),
                request,
                reverse("api-v1:ticket-events", args=[ticket.pk]),
            ),
        }
        return Response(TicketDetailSerializer(ticket, context=context).data)

    def _timeline_page(self, rows: QuerySet[Any]) -> Sequence[Any]:
        paginator = self.paginator
        if not isinstance(paginator, TimelineKeyset):
            raise TypeError("timeline lists page with TimelineKeyset")
        return paginator.paginate_queryset(rows, self.request, view=self)

    @extend_schema(
        summary="The ticket's messages and notes, a page at a time",
        description="Newest first (the detail's `messages_next` continues here), or `order=oldest`.",
        responses=MessageSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=TimelineKeyset, filter_backends=[])
    def messages(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        page = self._timeline_page(with_heads(Message.objects.filter(ticket=ticket).prefetch_related("attachments")))
        data = MessageSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="A message's whole text and HTML, uncut",
        description="Lists and the ticket's detail cut a body past the display limit (`body_cut`); this is all of it.",
        parameters=[OpenApiParameter("message_id", int, OpenApiParameter.PATH)],
        responses=MessageBodySerializer,
    )
    @action(detail=True, methods=["get"], url_path=r"messages/(?P<message_id>[^/]+)/body", filter_backends=[])
    def message_body(self, request: Request, message_id: str, pk: str | None = None) -> Response:
        message = self._message(self.get_object(), message_id)
        return Response(MessageBodySerializer(message, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The ticket's events, a page at a time",
        description="Newest first (the detail's `events_next` continues here), or `order=oldest`.",
        responses=TicketEventSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=TimelineKeyset, filter_backends=[])
    def events(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        page = self._timeline_page(TicketEvent.objects.filter(ticket=ticket))
        data = TicketEventSerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)

    def _input(self, serializer_class: type[BaseSerializer[Any]]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _ticket_response(self, ticket: Ticket) -> Response:
        return Response(TicketSerializer(_fresh(ticket), context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Reply to the customer through the ticket's channel",
        request=ReplyInput,
        responses={
            201: MessageSerializer,
            200: OpenApiResponse(MessageSerializer, description="The same client_id again: the first message."),
            400: OpenApiResponse(ErrorSerializer, description="Invalid input, or the channel cannot send now."),
            409: OpenApiResponse(
                SendConflictSerializer,
                description=(
                    "Held, nothing was sent: messages newer than `seen_message_id`, or replies to the"
                    " customer by others since `after_message_id`, listed in `newer`. Send again"
                    " without them (or with the newest id) to send anyway."
                ),
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        data = self._input(ReplyInput)
        replay = bool(data["client_id"]) and ticket.messages.filter(client_id=data["client_id"]).exists()
        try:
            message = do_reply(ticket, agent=agent(request), **data)
        except SendConflict as conflict:
            newer = Message.objects.filter(pk__in=[m.pk for m in conflict.newer]).order_by("pk")
            context = self.get_serializer_context()
            newer_data = MessageSerializer(newer.prefetch_related("attachments"), many=True, context=context).data
            if conflict.answered:
                detail = _("The customer was answered by someone else since you started writing; nothing was sent.")
            else:
                detail = _("Newer messages arrived since you last looked; nothing was sent.")
            return Response({"detail": detail, "newer": newer_data}, status=status.HTTP_409_CONFLICT)
        except (ChannelUnavailable, UnknownChannel) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        out = MessageSerializer(message, context=self.get_serializer_context()).data
        return Response(out, status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED)

    @extend_schema(summary="Where a reply would go now, and why it cannot", responses={200: ReplyRouteSerializer})
    @action(detail=True, methods=["get"], url_path="reply-route")
    def reply_route(self, request: Request, pk: str | None = None) -> Response:
        """The channel ``reply`` uses without ``channel``: the customer's latest one, or its fallback
        (a chat the visitor left and a web form are answered by email); the workspace shows the same."""
        route = reply_route(self.get_object())
        return Response(ReplyRouteSerializer(route).data)  # type: ignore[arg-type]  # a dataclass, read as attributes

    @extend_schema(summary="Add an internal note", request=NoteInput, responses={201: MessageSerializer})
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        message = do_add_note(ticket, agent=agent(request), **self._input(NoteInput))
        out = MessageSerializer(message, context=self.get_serializer_context()).data
        return Response(out, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Assign to an agent, or unassign",
        description="To an agent who would see the ticket (its team's, an admin or a lead, or oneself) and takes "
        "tickets: not a viewer, a deactivated agent or an integration.",
        request=AssignInput,
        responses={200: TicketSerializer},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        ticket, me = self.get_object(), agent(request)
        assignee = self._input(AssignInput)["assignee"]
        # What the header offers: someone who would see the ticket and takes tickets.
        if assignee is not None and not assignee_choices(ticket, me).filter(pk=assignee.pk).exists():
            raise ValidationError(
                {"assignee": [_("This agent cannot take this ticket: choose one of its team, an admin or a lead.")]}
            )
        do_assign(ticket, assignee, actor=me)
        return self._ticket_response(ticket)

    @extend_schema(
        summary="Move to another team",
        description="The agent may lose sight of the ticket by this, unless it is assigned to them. Only admins and "
        "leads take a ticket out of every team (`team: null`), as in the workspace.",
        request=TeamInput,
        responses={200: TicketSerializer},
    )
    @action(detail=True, methods=["post"], url_path="team")
    def set_team(self, request: Request, pk: str | None = None) -> Response:
        ticket, me = self.get_object(), agent(request)
        team = self._input(TeamInput)["team"]
        if team is None and not may_clear_team(ticket, me):
            raise PermissionDenied(_("Only administrators and team leads take tickets out of every team."))
        do_set_team(ticket, team, actor=me)
        return self._ticket_response(ticket)

    @extend_schema(summary="Set the status", request=StatusInput, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"], url_path="status")
    def set_status(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        do_set_status(ticket, self._input(StatusInput)["status"], actor=agent(request))
        return self._ticket_response(ticket)

    @extend_schema(summary="Set the priority", request=PriorityInput, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"], url_path="priority")
    def set_priority(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        do_set_priority(ticket, self._input(PriorityInput)["priority"], actor=agent(request))
        return self._ticket_response(ticket)

    @extend_schema(summary="Replace the tags", request=TagsInput, responses={200: TicketSerializer})
    @action(detail=True, methods=["post"], url_path="tags")
    def set_tags(self, request: Request, pk: str | None = None) -> Response:
        ticket = self.get_object()
        do_set_tags(ticket, self._input(TagsInput)["tags"], actor=agent(request))
        return self._ticket_response(ticket)

    def _message(self, ticket: Ticket, message_id: str) -> Message:
        try:
            pk = int(message_id)
        except ValueError:
            raise Http404 from None
        return get_object_or_404(Message, pk=pk, ticket=ticket)

    @extend_schema(
        summary="Move a message to another ticket",
        parameters=[OpenApiParameter("message_id", int, OpenApiParameter.PATH)],
        request=MoveInput,
        responses={200: TicketSerializer, 400: ErrorSerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"messages/(?P<message_id>[^/]+)/move")
    def move_message(self, request: Request, message_id: str, pk: str | None = None) -> Response:
        ticket = self.get_object()
        message = self._message(ticket, message_id)
        target = get_object_or_404(visible_tickets(agent(request)), pk=self._input(MoveInput)["ticket"])
        try:
            do_move_message(message, target, actor=agent(request))
        except MoveError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return self._ticket_response(target)

    @extend_schema(
        summary="Send again a reply whose delivery failed for good",
        description=(
            "A reply the hub gave up delivering (`delivery_status` `failed`, after its retries or an error no "
            "retry could fix) is queued again with a fresh round of attempts; it keeps its id. 409 when the "
            "message is not failed (sent meanwhile, still being retried) or is no reply to the customer."
        ),
        parameters=[OpenApiParameter("message_id", int, OpenApiParameter.PATH)],
        request=None,
        responses={
            200: MessageSerializer,
            409: OpenApiResponse(ErrorSerializer, description="The message is not failed; nothing was queued."),
        },
    )
    @action(detail=True, methods=["post"], url_path=r"messages/(?P<message_id>[^/]+)/resend")
    def resend_message(self, request: Request, message_id: str, pk: str | None = None) -> Response:
        ticket = self.get_object()
        message = self._message(ticket, message_id)
        try:
            message = do_resend(message_id=message.pk, agent=agent(request))
        except ResendError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(MessageSerializer(message, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Split a message off into a new ticket",
        parameters=[OpenApiParameter("message_id", int, OpenApiParameter.PATH)],
        request=None,
        responses={201: TicketSerializer, 400: ErrorSerializer},
    )
    @action(detail=True, methods=["post"], url_path=r"messages/(?P<message_id>[^/]+)/split")
    def split_message(self, request: Request, message_id: str, pk: str | None = None) -> Response:
        ticket = self.get_object()
        message = self._message(ticket, message_id)
        try:
            new_ticket = do_split_message(message, actor=agent(request))
        except MoveError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        out = TicketSerializer(_fresh(new_ticket), context=self.get_serializer_context()).data
        return Response(out, status=status.HTTP_201_CREATED)
