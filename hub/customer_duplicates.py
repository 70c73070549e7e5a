"""Customers who are probably the same person as another: suggestions to merge, never merges.

Identities are stored normalized (``hub.identity``), so an exact duplicate cannot exist; what is
left are records the same person made in ways normalization keeps apart or that came in before
it did: the same name at the same organization, a phone number written another way, an email
address whose local part differs only in case.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from hub.identity import InvalidIdentity, normalize_phone
from hub.models import Customer, Identity, IdentityKind

LIMIT = 10


@dataclass(frozen=True)
class Suggestion:
    customer: Customer
    reason: str


def _phone(value: str) -> str | None:
    try:
        return normalize_phone(value)
    except InvalidIdentity:
        return None


def duplicates(customer: Customer, among: QuerySet[Customer]) -> list[Suggestion]:
    """Up to ``LIMIT`` customers of ``among`` (those the agent may work with) who look like
    ``customer``, each with the reason in a sentence. At most four queries."""
    candidates = among.exclude(pk=customer.pk).filter(merged_into__isnull=True)
    found: dict[int, Suggestion] = {}

    def add(others: QuerySet[Customer], reason: str) -> None:
        for other in others.select_related("organization")[:LIMIT]:
            found.setdefault(other.pk, Suggestion(other, reason))

    if customer.display_name.strip() and customer.organization_id is not None:
        add(
            candidates.filter(
                display_name__iexact=customer.display_name.strip(), organization=customer.organization_id
            ),
            _("Same name at the same organization"),
        )
    mine = list(customer.identities.filter(kind__in=[IdentityKind.EMAIL, IdentityKind.PHONE]))
    emails = [i.value for i in mine if i.kind == IdentityKind.EMAIL]
    if emails:
        same = Q()
        for address in emails:
            same |= Q(value__iexact=address)
        owners = Identity.objects.filter(same, kind=IdentityKind.EMAIL).exclude(customer=customer)
        add(candidates.filter(pk__in=owners.values("customer_id")), _("Same email address in other letter case"))
    phones = {p for p in (_phone(i.value) for i in mine if i.kind == IdentityKind.PHONE) if p}
    if phones:
        # Compared on the last digits first (an index-friendly narrowing), then normalized.
        tails = Q()
        for number in phones:
            tails |= Q(value__endswith=number[-7:])
        owners = Identity.objects.filter(tails, kind=IdentityKind.PHONE).exclude(customer=customer)
        ids = [i.customer_id for i in owners[:50] if _phone(i.value) in phones]
        add(candidates.filter(pk__in=ids), _("Same phone number written differently"))
    return list(found.values())[:LIMIT]
