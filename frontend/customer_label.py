"""How the workspace names a customer, the same in the list, the timeline, the chat pane and
the customer panel: their name, else their first address; an anonymous chat visitor, whose
only identity is the widget's key and a random visitor id, is "Visitor 4F2A" ("Besucher 4F2A")."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.utils.translation import gettext as _

from hub.models import Customer, Identity, IdentityKind


def visitor_label(chat_identity: str) -> str:
    """ "Visitor 4F2A": four hex digits of the chat identity (``widget:visitor``), stable across
    pages and chats of the same visitor, short enough for a list row."""
    code = hashlib.blake2s(chat_identity.encode(), digest_size=2).hexdigest().upper()
    return _("Visitor %(code)s") % {"code": code}


def label_of(name: str, kind: str | None, value: str | None, customer_id: int) -> str:
    """A customer's label from their name and first identity (kind and value), else their number."""
    if name:
        return name
    if kind == IdentityKind.CHAT and value:
        return visitor_label(value)
    return value or f"#{customer_id}"


def identity_label(kind: str, value: str) -> str:
    """An identity as the customer panel lists it: a chat visitor by their label, not the raw key."""
    return visitor_label(value) if kind == IdentityKind.CHAT else value


def customer_label(customer: Customer) -> str:
    """The customer's label; reads their identities (prefetched by the list, else one query)."""
    if customer.display_name:
        return customer.display_name
    identities = sorted(customer.identities.all(), key=lambda i: i.pk)
    first = identities[0] if identities else None
    return label_of("", first.kind if first else None, first.value if first else None, customer.pk)


def labels_of(customers: Iterable[tuple[int, str]]) -> dict[int, str]:
    """The labels of customers given as (id, name); one query reads the nameless ones' first identity."""
    customers = list(customers)
    nameless = [pk for pk, name in customers if not name]
    kinds: dict[int, str] = {}
    values: dict[int, str] = {}
    found = Identity.objects.filter(customer_id__in=nameless).order_by("-pk") if nameless else Identity.objects.none()
    for customer_id, kind, value in found.values_list("customer_id", "kind", "value"):
        kinds[customer_id], values[customer_id] = kind, value  # newest first: the oldest is written last
    return {pk: label_of(name, kinds.get(pk), values.get(pk), pk) for pk, name in customers}
