"""``POST /api/v1/tickets/``: a conversation an agent starts, for ``TicketViewSet``.

The first message goes out on the channel like any reply, or is logged on the customer's behalf
(``direction`` ``in``), or is an internal note; ``hub.actions.outbound`` does it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from hub.actions.contacts import reachable_customers
from hub.actions.messages import ChannelUnavailable
from hub.actions.outbound import Recipient, StartError, StartNotAllowed, do_start_conversation
from hub.api.serializers.contacts import TicketCreatedSerializer, TicketCreateInput
from hub.api.serializers.messages import ErrorSerializer
from hub.api.views.base import agent
from hub.bodies import with_heads
from hub.identity import InvalidIdentity
from hub.models import Message, Team, Ticket

if TYPE_CHECKING:
    _Viewset = viewsets.GenericViewSet[Ticket]
else:
    _Viewset = object


class TicketCreateMixin(_Viewset):
    @extend_schema(
        summary="Start a conversation with a customer",
        description=(
            "A new ticket and its first message. `out` (the default) sends it on `channel` like any reply "
            "(queued for delivery; the customer's answer threads back into the ticket); `in` logs the "
            "customer's own message (a call, a letter) as written by the agent on their behalf; "
            "`message.internal` makes it an internal note. The customer is an id, or an email address "
            "(whoever has it, else a new customer). Agents start conversations for their own teams."
        ),
        request=TicketCreateInput,
        responses={
            201: TicketCreatedSerializer,
            200: OpenApiResponse(TicketCreatedSerializer, description="The same client_id again: the first ticket."),
            400: OpenApiResponse(ErrorSerializer, description="Invalid input, or the channel cannot reach them."),
            403: OpenApiResponse(ErrorSerializer, description="The team is not one of the agent's."),
            404: OpenApiResponse(ErrorSerializer, description="No such customer the agent may reach."),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TicketCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        me = agent(request)
        who = data["customer"]
        if "id" in who:
            recipient = Recipient(customer=get_object_or_404(reachable_customers(me), pk=who["id"]))
        else:
            recipient = Recipient(email=who["email"], name=who["name"])
        team = None
        if data["team"]:
            team = Team.objects.filter(slug=data["team"]).first()
            if team is None:
                return Response({"team": [_("No such team.")]}, status=status.HTTP_400_BAD_REQUEST)
        first = data["message"]
        started = timezone.now()
        try:
            ticket, message = do_start_conversation(
                agent=me,
                recipient=recipient,
                channel=data["channel"],
                subject=data["subject"],
                text=first["text"],
                html=first["html"],
                internal=first["internal"],
                direction=data["direction"],
                team=team,
                status=data["status"],
                client_id=data["client_id"],
            )
        except StartNotAllowed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_403_FORBIDDEN)
        except InvalidIdentity as exc:
            return Response({"customer": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except (StartError, ChannelUnavailable) as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        context = {
            **self.get_serializer_context(),
            "message": with_heads(Message.objects.filter(pk=message.pk).prefetch_related("attachments")).get(),
        }
        fresh = Ticket.objects.select_related("customer", "team", "assignee__user", "sla_policy").get(pk=ticket.pk)
        replay = message.created_at < started  # the same client_id again
        code = status.HTTP_200_OK if replay else status.HTTP_201_CREATED
        return Response(TicketCreatedSerializer(fresh, context=context).data, status=code)
