"""Query filters of the v1 list endpoints. They narrow a queryset already scoped by hub.access."""

from __future__ import annotations

import contextlib
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from hub.identity import InvalidIdentity, normalize_phone
from hub.models import Customer, Identity, Priority, Ticket, TicketStatus


class AgentRefField(forms.CharField):
    """An agent id, ``me`` or ``none``."""

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in ("", None):
            return None
        if value in ("me", "none"):
            return value
        try:
            return int(value)
        except ValueError:
            raise forms.ValidationError(_("Enter an agent id, 'me' or 'none'.")) from None


class AgentRefFilter(filters.CharFilter):
    field_class = AgentRefField


class TeamRefField(forms.CharField):
    """A team id or ``none``."""

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value in ("", None, "none"):
            return value or None
        try:
            return int(value)
        except ValueError:
            raise forms.ValidationError(_("Enter a team id or 'none'.")) from None


class TeamRefFilter(filters.CharFilter):
    field_class = TeamRefField


class TicketFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=TicketStatus.choices, help_text="Repeat for several statuses.")
    team = TeamRefFilter(method="filter_team", help_text="A team id, or `none` for tickets without a team.")
    assignee = AgentRefFilter(
        method="filter_assignee", help_text="An agent id, `me`, or `none` for unassigned tickets."
    )
    channel = filters.CharFilter(field_name="origin_channel", help_text="The channel the ticket came in on.")
    customer = filters.NumberFilter(field_name="customer_id")
    priority = filters.MultipleChoiceFilter(choices=Priority.choices, help_text="Repeat for several priorities.")
    tag = filters.CharFilter(method="filter_tag", help_text="Tickets carrying this tag.")
    updated_since = filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date-time; tickets changed at or after it."
    )

    class Meta:
        model = Ticket
        fields: list[str] = []

    def filter_team(self, queryset: QuerySet[Ticket], name: str, value: int | str | None) -> QuerySet[Ticket]:
        if value is None:
            return queryset
        if value == "none":
            return queryset.filter(team__isnull=True)
        return queryset.filter(team_id=value)

    def filter_assignee(self, queryset: QuerySet[Ticket], name: str, value: int | str | None) -> QuerySet[Ticket]:
        if value is None:
            return queryset
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            agent = getattr(self.request, "agent", None)
            return queryset.filter(assignee_id=agent.pk if agent else None)
        return queryset.filter(assignee_id=int(value))

    def filter_tag(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        if not value:
            return queryset
        # EXISTS rather than a join: no duplicate rows and no DISTINCT over the page.
        tagged = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag__name=value.strip().lower())
        return queryset.filter(Exists(tagged))


class CustomerFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="search", help_text="Part of the name, or an email address, phone number or other identity."
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def search(self, queryset: QuerySet[Customer], name: str, value: str) -> QuerySet[Customer]:
        value = value.strip()
        if not value:
            return queryset
        matches = Q(value__icontains=value)
        with contextlib.suppress(InvalidIdentity):
            # A phone typed as "030 1234567" is stored as +49301234567.
            matches |= Q(value=normalize_phone(value))
        identity = Identity.objects.filter(matches, customer_id=OuterRef("pk"))
        return queryset.filter(Q(display_name__icontains=value) | Exists(identity))
