"""Customers and organizations a query finds, within what the caller scoped (``hub.access``).

Customers are found by part of their name or of any identity through the trigram indexes of
migration 0005 (``search_customers``), which suit names, addresses and numbers better than
stemmed words: "anna@" and "1234567" are parts of an identity, no words of it. A plain query
(words only) is taken whole, as the customer list always took it, so a number typed the local
way ("030 1234567") still finds its owner; with syntax, each word or phrase must match and
``-word`` excludes.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from hub.access import visible_customers
from hub.identity import InvalidIdentity, normalize_email, normalize_phone
from hub.models import Agent, Customer, Identity, IdentityKind, Organization
from hub.search.query import Atom, Query
from hub.text import whole_number

# Up to this many matching customers a search collects them all through the trigram indexes
# (cost grows with the matches); past it a term is common ("müller", "gmail") and walking down
# the newest customers meets a page of matches sooner (cost grows with 1 / share of matches).
SEARCH_CANDIDATES = 2000


def exact_identities(value: str) -> Q | None:
    """The identity ``value`` names exactly, if it is a whole email address or phone number.

    Identities are stored normalized (lower-case mail, E.164 phone), so "Anna@Beispiel.DE" or
    "030 1234567" is one probe of the unique (kind, value) index.
    """
    try:
        if "@" in value:
            return Q(kind=IdentityKind.EMAIL, value=normalize_email(value))
        # Letters would be read as a vanity number ("0800-FLOWERS"); nobody searches that way.
        if not any(c.isalpha() for c in value):
            return Q(kind=IdentityKind.PHONE, value=normalize_phone(value))
    except InvalidIdentity:
        pass
    return None


def search_customers(queryset: QuerySet[Customer], value: str) -> QuerySet[Customer]:
    """``queryset`` narrowed to the customers ``value`` finds, after at most two small queries.

    1. A whole email address or phone number finds its owner through the unique identity
       index, and only them: someone typing "max@example.com" means Max, not "xmax@…".
    2. Anything else matches part of the name or of any identity, ignoring case. PostgreSQL
       answers each of the two from its trigram index (migration 0005), but not the two
       joined by OR, which walks every customer. So the ids matching either are collected
       first, each through its index, and the page is read by id.
    3. A term with more than SEARCH_CANDIDATES matches is common, and the walk down the newest
       customers is the quick way to a page: it stops after one.
    """
    exact = exact_identities(value)
    if exact is not None:
        owners = list(Identity.objects.filter(exact).values_list("customer_id", flat=True))
        if owners:
            return queryset.filter(pk__in=owners)
    names = Customer.objects.filter(display_name__icontains=value).values_list("pk", flat=True)
    holders = Identity.objects.filter(value__icontains=value).values_list("customer_id", flat=True)
    # UNION ALL under a LIMIT stops as soon as it has enough, however common the term.
    candidates = set(names.union(holders, all=True)[: SEARCH_CANDIDATES + 1])
    if len(candidates) <= SEARCH_CANDIDATES:
        return queryset.filter(pk__in=sorted(candidates))
    # A scalar subquery rather than EXISTS: PostgreSQL turns an EXISTS under OR into a hashed
    # subplan that first reads every matching identity (a quarter of them for "example.de");
    # this probes each walked customer's own two or three identities instead.
    first = Identity.objects.filter(customer_id=OuterRef("pk"), value__icontains=value).values("pk")[:1]
    return queryset.alias(holder=Subquery(first)).filter(Q(display_name__icontains=value) | Q(holder__isnull=False))


def _matching(atom: Atom) -> Q:
    return Q(pk__in=search_customers(Customer.objects.all(), atom.text).values("pk"))


def search_customers_by_query(queryset: QuerySet[Customer], query: Query) -> QuerySet[Customer]:
    """``queryset`` narrowed to the customers ``query``'s text finds (its filters are the caller's)."""
    if query.plain:
        return search_customers(queryset, query.raw.strip())
    for clause in query.clauses:
        queryset = queryset.filter(reduce(or_, (_matching(atom) for atom in clause)))
    for atom in query.excluded:
        queryset = queryset.exclude(_matching(atom))
    return queryset


def organizations_matching(values: tuple[str, ...]) -> QuerySet[Organization, Any]:
    """The ids of organizations named by id or by part of their name (``org:`` in a query)."""
    named = Q()
    for value in values:
        if (number := whole_number(value)) is not None:
            named |= Q(pk=number)
        else:
            named |= Q(name__icontains=value)
    return Organization.objects.filter(named).values("pk")


def organizations_condition(query: Query) -> Q:
    """Organizations whose name or one of whose mail domains holds every word."""
    found = Q()
    for clause in query.clauses:
        found &= reduce(or_, (Q(name__icontains=a.text) | Q(domains__icontains=a.text) for a in clause))
    for atom in query.excluded:
        found &= ~Q(name__icontains=atom.text)
    return found


def visible_organizations(agent: Agent) -> QuerySet[Organization]:
    """Organizations with a customer the agent may see (all, for admins and leads)."""
    if agent.sees_everything:
        return Organization.objects.all()
    members = visible_customers(agent).filter(organization_id=OuterRef("pk"))
    return Organization.objects.filter(Exists(members))
