"""The search page's results: tickets, customers and organizations a query finds, grouped.

Each kind is found within what the agent may see (``hub.access``) by ``hub.search``; solved and
closed tickets are found like open ones. Tickets come newest activity first, a page at a time
(the inbox's keyset cursor); customers and organizations are the first few, as pointers: a
customer leads to their tickets, an organization to its customers' tickets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleLessThan
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from frontend import inbox
from frontend.customer_label import identity_label, labels_of
from frontend.regions import channel_label
from hub.access import visible_customers, visible_tickets
from hub.models import Agent, Identity, TicketStatus
from hub.search import Query, SearchError, parse, search_customers_by_query, search_tickets, visible_organizations
from hub.search.customers import organizations_condition, organizations_matching
from hub.search.highlight import Snippet, mark_atoms, snippets

TICKETS_PER_PAGE = 25
# Customers and organizations shown: enough to recognise the one meant; the query narrows.
OTHERS = 8

# The syntax as the page explains it: an example, and what it does.
SYNTAX: list[tuple[str, str | Promise]] = [
    ("Rechnung März", _("all these words, in any form (Rechnungen, invoices)")),
    ('"nicht angekommen"', _("these words in this order")),
    ("-Gutschrift", _("without this word")),
    ("Lieferung OR Versand", _("either word")),
    ("status:open", _("status: new, open, pending, on_hold, solved, closed")),
    ("channel:chat", _("channel: email, chat, phone, sms, web")),
    ("from:anna@example.com", _("the customer, by address, number or name")),
    ("tag:vip  team:billing", _("a tag, a team")),
    ("assignee:me", _("assigned to me (or: none, a name)")),
    ("after:2024-05-01  before:7d", _("created on or after, before a day (2024-05-31, 31.5.2024, 7d = a week ago)")),
    ("#4711", _("the ticket with this number")),
    ("-status:closed", _("a filter with a minus excludes")),
]


@dataclass(frozen=True)
class TicketHit:
    pk: int
    snippet: Snippet
    status: str
    status_label: str
    channel: str
    channel_label: str
    customer: str
    at: datetime


@dataclass(frozen=True)
class CustomerHit:
    pk: int
    name: SafeString
    identities: list[SafeString]
    url: str


@dataclass(frozen=True)
class OrganizationHit:
    pk: int
    name: SafeString
    url: str


@dataclass
class Results:
    text: str
    query: Query | None = None
    error: str = ""
    tickets: list[TicketHit] = field(default_factory=list)
    older: str | None = None  # the cursor of the next page of tickets
    customers: list[CustomerHit] = field(default_factory=list)
    organizations: list[OrganizationHit] = field(default_factory=list)
    # Whether customers and organizations were looked for (not with ticket filters).
    others: bool = False

    @property
    def empty(self) -> bool:
        return not (self.tickets or self.customers or self.organizations)


def search_url(text: str) -> str:
    return f"{reverse('agent_search')}?{urlencode({'q': text})}"


def _tickets(agent: Agent, query: Query, before: str | None) -> tuple[list[TicketHit], str | None]:
    found = search_tickets(visible_tickets(agent), query, agent)
    cursor = inbox.decode_cursor(before) if before else None
    if cursor is not None:
        found = found.filter(TupleLessThan(Tuple(F("last_activity_at"), F("id")), cursor))
    columns = ("pk", "subject", "status", "origin_channel", "last_activity_at", "customer_id")
    rows: list[dict[str, Any]] = list(
        found.order_by("-last_activity_at", "-pk").values(*columns, customer_name=F("customer__display_name"))[
            : TICKETS_PER_PAGE + 1
        ]
    )
    older = None
    if len(rows) > TICKETS_PER_PAGE:
        last = rows[TICKETS_PER_PAGE - 1]
        older = inbox.encode_cursor(last["last_activity_at"], last["pk"])
        rows = rows[:TICKETS_PER_PAGE]
    marks = snippets([row["pk"] for row in rows], query)
    labels = labels_of((row["customer_id"], row["customer_name"]) for row in rows)
    statuses = dict(TicketStatus.choices)
    hits = [
        TicketHit(
            pk=row["pk"],
            snippet=marks[row["pk"]],
            status=row["status"],
            status_label=str(statuses.get(row["status"], row["status"])),
            channel=row["origin_channel"],
            channel_label=channel_label(row["origin_channel"]),
            customer=labels[row["customer_id"]],
            at=row["last_activity_at"],
        )
        for row in rows
    ]
    return hits, older


def _customers(agent: Agent, query: Query) -> list[CustomerHit]:
    found = visible_customers(agent).filter(merged_into__isnull=True)
    for org in query.filters_named("org"):
        condition = {"organization_id__in": organizations_matching(org.values)}
        found = found.exclude(**condition) if org.negated else found.filter(**condition)
    if query.has_text:
        found = search_customers_by_query(found, query)
    rows = list(found.order_by("-pk").values_list("pk", "display_name")[:OTHERS])
    identities: dict[int, list[str]] = {}
    owned = Identity.objects.filter(customer_id__in=[row[0] for row in rows]).order_by("pk")
    for customer_id, kind, value in owned.values_list("customer_id", "kind", "value"):
        identities.setdefault(customer_id, []).append(identity_label(kind, value))
    atoms = query.positive
    return [
        CustomerHit(
            pk=pk,
            name=mark_atoms(name or (identities.get(pk) or [f"#{pk}"])[0], atoms),
            identities=[mark_atoms(value, atoms) for value in identities.get(pk, [])[:3]],
            url=search_url(f"customer:{pk}"),
        )
        for pk, name in rows
    ]


def _organizations(agent: Agent, query: Query) -> list[OrganizationHit]:
    if not query.clauses:
        return []
    found = visible_organizations(agent).filter(organizations_condition(query))
    return [
        OrganizationHit(pk=pk, name=mark_atoms(name, query.positive), url=search_url(f"org:{pk}"))
        for pk, name in found.order_by("name", "pk").values_list("pk", "name")[:OTHERS]
    ]


def results(agent: Agent, text: str, before: str | None = None) -> Results:
    """What ``text`` finds for ``agent``; a bad filter value is an error to show, not an exception."""
    found = Results(text=text)
    query = parse(text)
    if query.empty:
        return found
    found.query = query
    try:
        found.tickets, found.older = _tickets(agent, query, before)
    except SearchError as exc:
        found.error = str(exc)
        return found
    # Customers and organizations have no status, team or date: a query with such a filter
    # (or a ticket number) asks for tickets, and only the first page lists the others.
    found.others = not query.numbers and all(f.name == "org" for f in query.filters) and not before
    if found.others:
        found.customers = _customers(agent, query)
        found.organizations = _organizations(agent, query)
    return found
