"""The inbox's filter bar: what the list's URL query says to narrow a view by, and back.

A filter is a query parameter (``?status=pending&channel=chat&priority=4``), so a filtered list
is a link: reload, Back and a pasted URL show it again, and a saved view stores the same
string (``hub.models.SavedView.query``). Values are taken as the search's filters take them
(``hub.search.query``: German or English status and channel names, dates as 2024-05-31,
31.5.2024 or 7d); anything that names nothing is dropped rather than failing the page, since a
list is no place for an error. Every condition applies on top of the agent's scope: a filter
narrows what ``hub.access`` lets an agent see, never widens it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext

from hub.access import team_ids
from hub.actions.saved_views import may_manage
from hub.models import Agent, Identity, Priority, SlaState, Team, TicketStatus
from hub.models.teams import ASSIGNABLE
from hub.search.customers import exact_identities
from hub.search.query import channel_value, date_value, status_value
from hub.tag_filter import tagged_names
from hub.text import whole_number

# The filters' parameters, in the order the bar shows them and a URL carries them.
MULTI = ("status", "channel", "team", "assignee", "priority", "tag", "sla")
TEXT = ("customer", "org")
DATES = ("created_after", "created_before", "updated_after", "updated_before")
SORT = "sort"
# What a filter parameter may hold: enough for any real value, never an enormous query.
MAX_VALUES = 20
MAX_TEXT = 100
# SLA states an agent filters by: a running clock on time, at risk, breached, or no clock.
SLA_STATES = (SlaState.OK, SlaState.WARNING, SlaState.BREACHED, "none")
# The channels a ticket comes in by (``Ticket.origin_channel``).
CHANNELS = ("email", "chat", "phone", "sms", "web")
_NOBODY = "none"


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


@dataclass(frozen=True)
class Filters:
    status: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    team: tuple[str, ...] = ()  # team ids, or "none"
    assignee: tuple[str, ...] = ()  # agent ids, "me" or "none"
    priority: tuple[str, ...] = ()
    tag: tuple[str, ...] = ()
    sla: tuple[str, ...] = ()
    customer: str = ""
    org: str = ""
    created_after: date | None = None
    created_before: date | None = None
    updated_after: date | None = None
    updated_before: date | None = None

    @property
    def empty(self) -> bool:
        return not self.items()

    @property
    def active(self) -> int:
        """How many filters are set: the bar's summary says so."""
        return len({name for name, _value in self.items()})

    def items(self) -> list[tuple[str, str]]:
        """The filters as URL parameters, in a fixed order: equal filters give equal URLs."""
        found: list[tuple[str, str]] = []
        for name in MULTI:
            found.extend((name, value) for value in getattr(self, name))
        for name in TEXT:
            if value := getattr(self, name):
                found.append((name, value))
        for name in DATES:
            if (day := getattr(self, name)) is not None:
                found.append((name, day.isoformat()))
        return found

    def has(self, name: str, value: object) -> bool:
        """Whether the bar shows ``value`` as chosen for ``name`` (for its form controls)."""
        return str(value) in getattr(self, name)

    def condition(self, agent_pk: int, statuses: tuple[str, ...] | None = None, db: str = "default") -> Q:
        """The filters as one condition on tickets in ``statuses`` (None: any) on database ``db``.

        Without a query of its own, but for a tag filter's (its tags' ids, and for open
        tickets the planner's estimate of how many carry them: ``hub.tag_filter``).
        """
        found = Q()
        if self.channel:
            found &= Q(origin_channel__in=self.channel)
        if self.team:
            found &= _ids_or_nobody("team", self.team)
        if self.assignee:
            values = tuple(str(agent_pk) if v == "me" else v for v in self.assignee)
            found &= _ids_or_nobody("assignee", values)
        if self.priority:
            found &= Q(priority__in=[int(p) for p in self.priority])
        if self.tag:
            # By the tags' ids (a join to the tag's name had the planner guess 1 in 44 for a tag
            # on 4.5 % of the tickets, and sort thousands of rows: 0.4 s at 1M).
            found &= tagged_names(list(self.tag), statuses, db)
        if self.sla:
            states = [s for s in self.sla if s != "none"]
            sla = Q(sla_state__in=states) if states else Q(pk__in=[])
            if "none" in self.sla:
                sla |= Q(sla_state="")
            found &= sla
        if self.customer:
            found &= _customer(self.customer)
        if self.org:
            found &= Q(customer__organization__name__icontains=self.org)
        if self.created_after:
            found &= Q(created_at__gte=_start_of(self.created_after))
        if self.created_before:
            found &= Q(created_at__lt=_start_of(self.created_before + timedelta(days=1)))
        if self.updated_after:
            found &= Q(updated_at__gte=_start_of(self.updated_after))
        if self.updated_before:
            found &= Q(updated_at__lt=_start_of(self.updated_before + timedelta(days=1)))
        return found


NO_FILTERS = Filters()


def _ids_or_nobody(name: str, values: tuple[str, ...]) -> Q:
    ids = [int(v) for v in values if v != _NOBODY]
    found = Q(**{f"{name}_id__in": ids}) if ids else Q(pk__in=[])
    if _NOBODY in values:
        found |= Q(**{f"{name}__isnull": True})
    return found


def _customer(text: str) -> Q:
    """Tickets of the customer with this number, email address or phone number (one probe of
    the identities' index, as the search does), or whose name holds the text."""
    if text.startswith("#") and (number := whole_number(text[1:])) is not None:
        return Q(customer_id=number)
    exact = exact_identities(text)
    if exact is not None:
        return Q(customer_id__in=Identity.objects.filter(exact).values("customer_id"))
    return Q(customer__display_name__icontains=text)


def _clean(name: str, value: str) -> str | None:
    """One value of a multi-valued filter as stored, or None when it names nothing."""
    value = value.strip()
    if name == "status":
        return status_value(value)
    if name == "channel":
        found = channel_value(value)
        return found if found.isidentifier() and len(found) <= 20 else None
    if name in ("team", "assignee"):
        lowered = value.lower()
        if lowered in ("none", "nobody", "niemand"):
            return _NOBODY
        if name == "assignee" and lowered in ("me", "ich"):
            return "me"
        return value if whole_number(value) is not None else None
    if name == "priority":
        return value if whole_number(value, 2) in Priority.values else None
    if name == "tag":
        return value.lower()[:64] or None
    if name == "sla":
        return value if value in SLA_STATES else None
    return None


def parse(params: QueryDict | dict[str, Any]) -> Filters:
    """The filters a list's URL query names; whatever names nothing is left out."""
    get_list = params.getlist if isinstance(params, QueryDict) else (lambda name: _as_list(params.get(name)))
    values: dict[str, Any] = {}
    for name in MULTI:
        chosen: list[str] = []
        for raw in get_list(name)[:MAX_VALUES]:
            for part in str(raw).split(","):
                clean = _clean(name, part)
                if clean is not None and clean not in chosen:
                    chosen.append(clean)
        values[name] = tuple(chosen)
    for name in TEXT:
        texts = get_list(name)
        values[name] = " ".join(str(texts[-1]).split())[:MAX_TEXT] if texts else ""
    today = timezone.localdate()
    for name in DATES:
        texts = get_list(name)
        values[name] = date_value(str(texts[-1]), today) if texts and texts[-1] else None
    return Filters(**values)


def _as_list(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def query_string(filters: Filters, *, explicit: bool = False) -> str:
    """The URL query of ``filters``, without a ``?``; ``explicit`` marks filters that replace a
    saved view's own, even none at all (``f=1``)."""
    items = filters.items()
    if explicit:
        items.insert(0, ("f", "1"))
    return urlencode(items)


def save_query(filters: Filters, sort: str) -> str:
    """What a saved view keeps of the list on screen: its filters and its order."""
    return urlencode([*filters.items(), (SORT, sort)])


def _choices(values: list[tuple[Any, Any]], filters: Filters, name: str) -> list[tuple[str, str, bool]]:
    return [(str(value), str(label), filters.has(name, value)) for value, label in values]


def bar(agent: Agent, view: Any, filters: Filters, sort: str, list_url: str) -> dict[str, Any]:
    """What the filter bar shows: its controls with their choices (two small queries: the
    teams and agents an agent may filter by), and what saving the list as a view offers."""
    from frontend.inbox import SORTS
    from frontend.regions import channel_label

    teams = Team.objects.order_by("name")
    people = Agent.objects.filter(ASSIGNABLE)
    if not agent.sees_everything:
        mine = team_ids(agent)
        teams = teams.filter(pk__in=mine)
        people = people.filter(Q(teams__in=mine) | Q(pk=agent.pk))
    team_list = list(teams.values_list("pk", "name"))
    people_list = sorted(
        {
            (pk, Agent.name_of(first or "", last or "", username))
            for pk, first, last, username in people.values_list(
                "pk", "user__first_name", "user__last_name", "user__username"
            )
        },
        key=lambda row: row[1].lower(),
    )
    no_one = gettext("Nobody")
    return {
        "statuses": _choices(list(TicketStatus.choices), filters, "status"),
        "channels": _choices([(key, channel_label(key)) for key in CHANNELS], filters, "channel"),
        "teams": _choices([("none", gettext("No team")), *team_list], filters, "team"),
        "assignees": _choices(
            [("me", gettext("Me")), ("none", no_one), *((pk, name) for pk, name in people_list if pk != agent.pk)],
            filters,
            "assignee",
        ),
        "priorities": _choices(list(reversed(Priority.choices)), filters, "priority"),
        "sla_states": _choices(
            [*((state, SlaState(state).label) for state in SLA_STATES[:-1]), ("none", gettext("No SLA clock"))],
            filters,
            "sla",
        ),
        "sort_choices": [(key, str(label), key == sort) for key, label in SORTS.items()],
        "clear_url": f"{list_url}?f=1" if view.saved is not None else list_url,
        "active": filters.active,
        "explicit": view.saved is not None,
        # Saving: personal for everyone who may change things; shared with a team by admins and leads.
        "can_save": agent.can_change,
        "share_teams": team_list if agent.sees_everything and agent.can_change else [],
        "can_manage": view.saved is not None and may_manage(agent, view.saved),
    }
