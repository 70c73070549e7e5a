"""Who an interaction comes from: its identities normalized, looked up, or a new customer.

The decisions are made in ``hub.pipeline.batch`` for all events processed together; this
module holds the pieces that do not depend on the batch.
"""

from __future__ import annotations

import logging
from functools import reduce
from operator import or_

from django.db.models import Exists, Q

from hub.adapters import Interaction
from hub.identity import InvalidIdentity, normalize
from hub.models import Account, Customer, Identity, Organization

log = logging.getLogger(__name__)

# (kind, normalized value, verified, joinable, recorded)
Normalized = tuple[str, str, bool, bool, bool]


def normalized_identities(interaction: Interaction) -> list[Normalized]:
    """The interaction's identities in normalized form; raises when none is usable."""
    normalized: list[Normalized] = []
    for ident in interaction.identities:
        try:
            value = normalize(ident.kind, ident.value)
            normalized.append((ident.kind, value, ident.verified, ident.joinable, ident.recorded))
        except InvalidIdentity as exc:
            log.warning("ignoring an identity of a %s interaction: %s", interaction.channel, exc)
    if not normalized:
        raise InvalidIdentity("the interaction names no usable sender identity")
    return normalized


def known_identities(pairs: set[tuple[str, str]]) -> list[Identity]:
    """The stored identities among ``pairs``, their customers locked FOR UPDATE in id order.

    Looked up by (kind, value), the unique index's columns (by value alone it is a scan of every
    identity). The lock is how one customer's interactions are threaded one at a time, and the
    id order is the same in every worker, so two batches that share customers wait instead of
    deadlocking.
    """
    if not pairs:
        return []
    by_kind: dict[str, list[str]] = {}
    for kind, value in sorted(pairs):
        by_kind.setdefault(kind, []).append(value)
    where = reduce(or_, (Q(kind=kind, value__in=values) for kind, values in by_kind.items()))
    found = (
        Identity.objects.filter(where)
        .select_related("customer", "customer__organization")
        .select_for_update(of=("customer",))
        .order_by("customer_id")
    )
    return list(found)


def resolve_merged(customer: Customer, *, lock: bool = False) -> Customer:
    """The customer ``customer`` was merged into (followed to the end), or itself."""
    seen = set()
    while customer.merged_into_id is not None and customer.pk not in seen:
        seen.add(customer.pk)
        query = Customer.objects.select_related("organization")
        customer = (query.select_for_update() if lock else query).get(pk=customer.merged_into_id)
    return customer


def organizations_for(domains: set[str]) -> dict[str, Organization]:
    """The organization each mail domain belongs to (those that belong to one), in one query."""
    if not domains:
        return {}
    where = reduce(or_, (Q(domains__icontains=domain) for domain in sorted(domains)))
    found: dict[str, Organization] = {}
    # Still one query: an admin who turned the assignment off (Account) makes it find none.
    switched_off = Exists(Account.objects.filter(organizations_by_domain=False))
    for org in Organization.objects.filter(where).exclude(switched_off).order_by("pk"):
        for domain in {d.lower() for d in org.domains if isinstance(d, str)} & domains:
            found.setdefault(domain, org)
    return found
