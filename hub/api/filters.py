"""Query filters of the v1 list endpoints. They narrow a queryset already scoped by hub.access."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import django_filters as filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from hub import tag_filter
from hub.models import Customer, Priority, SlaState, Ticket, TicketStatus
from hub.models.tickets import OPEN_STATUSES
from hub.search import Query, SearchError, parse, search_customers_by_query, search_tickets
from hub.search.customers import exact_identities, organizations_matching, search_customers

__all__ = ["CustomerFilter", "TicketFilter", "exact_identities", "search_customers"]


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


@extend_schema_field({"type": "string", "pattern": "^([0-9]+|me|none)?$"})
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


@extend_schema_field({"type": "string", "pattern": "^([0-9]+|none)?$"})
class TeamRefFilter(filters.CharFilter):
    field_class = TeamRefField


class IdField(forms.IntegerField):
    def clean(self, value: Any) -> Any:
        if value == "":
            # Given but empty: not "no filter", an id the client failed to send.
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().clean(value)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(filters.NumberFilter):
    """An object's id: a whole number (NumberFilter takes decimals, and 1.5 is no id)."""

    field_class = IdField


class MomentField(IsoDateTimeField):
    """An ISO 8601 date-time, answered in UTC.

    Python accepts any UTC offset under a day (``+20:36``), PostgreSQL only up to ±15:59, so a
    moment is turned into UTC here, where the database never sees the offset; a moment that
    leaves the calendar doing so (year 1 at +01:00) is invalid input, not a server error.
    """

    def to_python(self, value: Any) -> datetime | None:
        if value == "":
            # Given but empty: not "no filter", a moment the client failed to send.
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(_("Enter a date and time between the years 1 and 9999.")) from None


class MomentFilter(filters.IsoDateTimeFilter):
    field_class = MomentField


class SearchField(forms.CharField):
    """A search as agents type it (``hub.search.query``): returned taken apart, or None if blank."""

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value is None or not value.strip():
            return None
        return parse(value)


# The syntax, once for both lists' documentation.
SEARCH_HELP = (
    'Words (all must match, in any form: German and English stems), `"a phrase"`, `-word` to exclude, '
    "`a OR b`, and filters written inline: `status:open`, `channel:chat`, `from:anna@example.com`, `tag:vip`, "
    "`team:billing`, `assignee:me`, `before:2024-05-31`, `after:7d`, `org:`, `customer:<id>`, `#<ticket number>`; "
    "`-status:closed` excludes. The same filter twice means either value."
)


@extend_schema_field(OpenApiTypes.STR)
class SearchFilter(filters.CharFilter):
    field_class = SearchField


class SingleValues(filters.FilterSet):
    """A filter that takes one value refuses the parameter given twice (django-filter would
    quietly use the last); filters of several values (status, priority) take repeats."""

    def is_valid(self) -> bool:
        valid: bool = super().is_valid()
        getlist = getattr(self.data, "getlist", None)
        if getlist is None:
            return valid
        for name, spec in self.filters.items():
            if not isinstance(spec, filters.MultipleChoiceFilter) and len(getlist(name)) > 1:
                self.form.add_error(name, _("Give this parameter once."))
                valid = False
        return valid


class TicketFilter(SingleValues):
    status = filters.MultipleChoiceFilter(choices=TicketStatus.choices, help_text="Repeat for several statuses.")
    team = TeamRefFilter(method="filter_team", help_text="A team id, or `none` for tickets without a team.")
    assignee = AgentRefFilter(
        method="filter_assignee", help_text="An agent id, `me`, or `none` for unassigned tickets."
    )
    channel = filters.CharFilter(field_name="origin_channel", help_text="The channel the ticket came in on.")
    customer = IdFilter(field_name="customer_id")
    priority = filters.MultipleChoiceFilter(choices=Priority.choices, help_text="Repeat for several priorities.")
    tag = filters.CharFilter(method="filter_tag", help_text="Tickets carrying this tag.")
    updated_since = MomentFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date-time; tickets changed at or after it."
    )
    sla_state = filters.MultipleChoiceFilter(
        choices=SlaState.choices,
        help_text="The ticket's SLA state: the worst of its running targets (breached, warning, ok), else paused "
        "or met. Repeat for several.",
    )
    q = SearchFilter(
        method="search",
        help_text=f"Search the tickets' number, subject and every message and note. {SEARCH_HELP}",
    )
    ordering = filters.ChoiceFilter(
        choices=[("-last_activity_at", "-last_activity_at"), ("sla_due_at", "sla_due_at")],
        method="filter_ordering",
        empty_label=None,
        help_text="`-last_activity_at` (the default: newest activity first) or `sla_due_at`: the open tickets with "
        "a running SLA target, the one due soonest (or most overdue) first.",
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

    def filter_ordering(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        # The order itself is the pagination's (``SlaDueKeyset``): only tickets with a due time.
        if value == "sla_due_at":
            return queryset.filter(status__in=OPEN_STATUSES, sla_due_at__isnull=False)
        return queryset

    def search(self, queryset: QuerySet[Ticket], name: str, value: Query | None) -> QuerySet[Ticket]:
        if value is None or value.empty:
            return queryset
        try:
            return search_tickets(queryset, value, self.request.agent)
        except SearchError as exc:
            raise ValidationError({"q": [str(exc)]}) from exc

    def filter_tag(self, queryset: QuerySet[Ticket], name: str, value: str) -> QuerySet[Ticket]:
        if not value:
            return queryset
        name = value.strip().lower()
        statuses = tuple(self.form.cleaned_data.get("status") or ()) or None
        if tag_filter.indexed(statuses, queryset.db):
            # Open tickets only: a rare tag is read off their tag index, not found by walking them.
            return queryset.filter(tag_filter.tagged_names([name], statuses, queryset.db))
        # EXISTS rather than a join: no duplicate rows and no DISTINCT over the page.
        tagged = Ticket.tags.through.objects.filter(ticket_id=OuterRef("pk"), tag__name=name)
        return queryset.filter(Exists(tagged))


class CustomerFilter(SingleValues):
    q = SearchFilter(
        method="search",
        help_text="Part of the name or of an email address, phone number or other identity; "
        "a whole email address or phone number (any spelling, e.g. 030 1234567) finds its owner alone. "
        '`"a phrase"`, `-word` and `a OR b` work as in the ticket search, and `org:` (an organization\'s id or '
        "part of its name); the ticket filters (`status:` …) are refused here.",
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def search(self, queryset: QuerySet[Customer], name: str, value: Query | None) -> QuerySet[Customer]:
        if value is None or value.empty:
            return queryset
        others = sorted({f.name for f in value.filters if f.name != "org"})
        if others or value.numbers:
            names = ", ".join(f"{n}:" for n in others) or "#"
            raise ValidationError({"q": [_("These filters find tickets, not customers: %(names)s") % {"names": names}]})
        for org in value.filters:
            condition = Q(organization_id__in=organizations_matching(org.values))
            queryset = queryset.exclude(condition) if org.negated else queryset.filter(condition)
        return search_customers_by_query(queryset, value) if value.has_text else queryset
