"""Making customers and organizations, and a customer's email addresses and phone numbers.

``CustomerContactsMixin`` gives ``CustomerViewSet`` its POST and the identities under a
customer; ``OrganizationViewSet`` is the organizations' own endpoint. State changes are
``hub.actions.contacts``'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from hub.actions.contacts import (
    IdentityTaken,
    do_add_identity,
    do_create_customer,
    do_remove_identity,
    do_save_organization,
)
from hub.api.pagination import NewestFirst
from hub.api.schema import LOOKUP, HubAutoSchema
from hub.api.serializers.contacts import (
    CustomerCreateInput,
    IdentityInput,
    IdentityTakenSerializer,
    OrganizationDetailSerializer,
    OrganizationInput,
)
from hub.api.serializers.customers import CustomerSerializer, IdentitySerializer
from hub.api.serializers.messages import ErrorSerializer
from hub.api.views.base import agent
from hub.identity import InvalidIdentity
from hub.models import Customer, Identity, Organization
from hub.text import whole_number

TAKEN = OpenApiResponse(
    IdentityTakenSerializer,
    description="Another customer has this identity: it names them when the caller may open them "
    "(else `customer` is null). Merge to move it.",
)


def taken(exc: IdentityTaken, request: Request) -> Response:
    """409, naming the customer who holds the identity when the caller may open them."""
    actor = agent(request)
    held_by = exc.owner_for(actor)
    owner = {"id": held_by.pk, "display_name": held_by.display_name} if held_by is not None else None
    return Response({"detail": exc.said_to(actor), "customer": owner}, status=status.HTTP_409_CONFLICT)


def invalid(exc: InvalidIdentity | ValueError, field: str = "value") -> Response:
    return Response({field: [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)


if TYPE_CHECKING:
    _Viewset = viewsets.GenericViewSet[Customer]
else:
    _Viewset = object


class CustomerContactsMixin(_Viewset):
    """POST a customer; POST and DELETE its identities. For ``CustomerViewSet``, whose
    ``get_object`` finds the customers the agent may reach."""

    @extend_schema(
        summary="Create a customer, with email addresses and phone numbers",
        description="An agent sees a customer through its tickets; one without any is anyone's to start a "
        "conversation with (`POST /tickets/`).",
        request=CustomerCreateInput,
        responses={201: CustomerSerializer, 409: TAKEN},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CustomerCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        pairs = [(i["kind"], i["value"]) for i in data.pop("identities")]
        try:
            customer = do_create_customer(actor=agent(request), fields=data, identities=pairs)
        except IdentityTaken as exc:
            return taken(exc, request)
        except InvalidIdentity as exc:
            return invalid(exc, "identities")
        customer = Customer.objects.select_related("organization").prefetch_related("identities").get(pk=customer.pk)
        out = CustomerSerializer(customer, context=self.get_serializer_context()).data
        return Response(out, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add an email address or phone number to the customer",
        description="Normalized as mail and calls are matched (lower-case address, E.164 number). The same one "
        "again answers 200 with it.",
        request=IdentityInput,
        responses={
            201: IdentitySerializer,
            200: OpenApiResponse(IdentitySerializer, description="The customer has it already."),
            409: TAKEN,
        },
    )
    @action(detail=True, methods=["post"])
    def identities(self, request: Request, pk: str | None = None) -> Response:
        customer = self.get_object()
        body = IdentityInput(data=request.data)
        body.is_valid(raise_exception=True)
        kind, value = body.validated_data["kind"], body.validated_data["value"]
        before = set(customer.identities.values_list("pk", flat=True))
        try:
            identity = do_add_identity(customer, kind=kind, value=value, actor=agent(request))
        except IdentityTaken as exc:
            return taken(exc, request)
        except InvalidIdentity as exc:
            return invalid(exc)
        code = status.HTTP_200_OK if identity.pk in before else status.HTTP_201_CREATED
        return Response(IdentitySerializer(identity).data, status=code)

    @extend_schema(
        summary="Remove one of the customer's identities",
        description="Mail or texts from it later make a new customer, unless it is added to someone again.",
        parameters=[OpenApiParameter("identity_id", int, OpenApiParameter.PATH)],
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["delete"], url_path=r"identities/(?P<identity_id>[^/]+)")
    def identity(self, request: Request, identity_id: str, pk: str | None = None) -> Response:
        customer = self.get_object()
        number = whole_number(identity_id)
        if number is None:
            return Response({"detail": _("No such identity.")}, status=status.HTTP_404_NOT_FOUND)
        found = get_object_or_404(Identity, pk=number, customer=customer)
        do_remove_identity(found, actor=agent(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


LEADS_ONLY = "Key accounts and contracts are set by leads and admins."


@extend_schema_view(
    list=extend_schema(summary="Organizations, newest first"),
    retrieve=extend_schema(summary="One organization"),
    create=extend_schema(
        summary="Create an organization",
        request=OrganizationInput,
        responses={201: OrganizationDetailSerializer, 403: OpenApiResponse(ErrorSerializer, description=LEADS_ONLY)},
    ),
    partial_update=extend_schema(
        summary="Change an organization's name, domains, tier, key account flag or contract",
        request=OrganizationInput(partial=True),
        responses={200: OrganizationDetailSerializer, 403: OpenApiResponse(ErrorSerializer, description=LEADS_ONLY)},
    ),
)
class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Organization]):
    """Organizations are the company's list of customers' companies: every agent reads them."""

    schema = HubAutoSchema()
    lookup_value_regex = LOOKUP
    serializer_class = OrganizationDetailSerializer
    pagination_class = NewestFirst

    def get_queryset(self) -> QuerySet[Organization]:
        return Organization.objects.all()

    def _save(self, request: Request, organization: Organization | None) -> Response:
        body = OrganizationInput(data=request.data, partial=organization is not None)
        body.is_valid(raise_exception=True)
        fields = dict(body.validated_data)
        actor = agent(request)
        if ({"key_account", "sla_policy"} & set(fields)) and not actor.sees_everything:
            detail = _("Key accounts and contracts are set by leads and admins.")
            return Response({"detail": detail}, status=status.HTTP_403_FORBIDDEN)
        saved = do_save_organization(organization, actor=actor, fields=fields)
        code = status.HTTP_201_CREATED if organization is None else status.HTTP_200_OK
        return Response(OrganizationDetailSerializer(saved).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, None)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._save(request, self.get_object())
