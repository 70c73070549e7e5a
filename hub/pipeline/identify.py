from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import Q

from hub.channels import Interaction
from hub.identity import InvalidIdentity, normalize
from hub.models import Customer, Identity, IdentityKind, Organization

log = logging.getLogger(__name__)


def resolve_merged(customer: Customer) -> Customer:
    seen = set()
    while customer.merged_into_id is not None and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    return customer


def _organization_for(identities: list[tuple[str, str]]) -> Organization | None:
    for kind, value in identities:
        if kind != IdentityKind.EMAIL:
            continue
        domain = value.rsplit("@", 1)[1]
        for org in Organization.objects.filter(domains__icontains=domain).only("id", "domains"):
            if domain in [d.lower() for d in org.domains]:
                return org
    return None


def identify(interaction: Interaction) -> Customer:
    """The customer this interaction comes from: found by any joinable identity, else created.

    Identities of the interaction that are not yet known are added to that customer, so the
    next contact on another channel finds them. An identity that belongs to someone else is
    never moved: that is a merge, and merges are an agent's decision.
    """
    return identify_customer(interaction)[0]


def identify_customer(interaction: Interaction, *, lock: bool = False) -> tuple[Customer, bool]:
    """``identify``, and whether the customer was created now. ``lock``: the customer row is
    locked FOR UPDATE (in the caller's transaction), taken in the same query that finds it."""
    normalized: list[tuple[str, str, bool, bool]] = []
    for ident in interaction.identities:
        try:
            normalized.append((ident.kind, normalize(ident.kind, ident.value), ident.verified, ident.joinable))
        except InvalidIdentity as exc:
            log.warning("ignoring an identity of a %s interaction: %s", interaction.channel, exc)
    if not normalized:
        raise InvalidIdentity("the interaction names no usable sender identity")

    # The common case, a sender whose every identity is known: one query and no savepoint.
    known = _known(normalized, lock)
    if all((kind, value) in known for kind, value, _, _ in normalized):
        customer = _joined(known, normalized, lock)
        if customer is not None:
            _complete_name(customer, interaction)
            return customer, False
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _identify_once(interaction, normalized, known if attempt == 0 else None, lock)
        except IntegrityError:
            # Another worker created one of these identities at the same moment; look again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _known(normalized: list[tuple[str, str, bool, bool]], lock: bool) -> dict[tuple[str, str], Identity]:
    # By (kind, value), the unique index's columns: by value alone it is a scan of every identity.
    pairs = Q()
    for kind, value, _, _ in normalized:
        pairs |= Q(kind=kind, value=value)
    found = Identity.objects.filter(pairs).select_related("customer", "customer__organization")
    if lock:
        found = found.select_for_update(of=("customer",))
    return {(i.kind, i.value): i for i in found}


def _joined(
    known: dict[tuple[str, str], Identity], normalized: list[tuple[str, str, bool, bool]], lock: bool
) -> Customer | None:
    for kind, value, _verified, joinable in normalized:
        found = known.get((kind, value))
        if found is not None and joinable:
            customer = resolve_merged(found.customer)
            if lock and customer.pk != found.customer_id:
                # Merged into another customer: that one takes the interaction, locked.
                customer = Customer.objects.select_for_update().select_related("organization").get(pk=customer.pk)
            return customer
    return None


def _complete_name(customer: Customer, interaction: Interaction) -> None:
    if not customer.display_name and interaction.display_name:
        customer.display_name = interaction.display_name[:200]
        customer.save(update_fields=["display_name", "updated_at"])


def _identify_once(
    interaction: Interaction,
    normalized: list[tuple[str, str, bool, bool]],
    known: dict[tuple[str, str], Identity] | None,
    lock: bool,
) -> tuple[Customer, bool]:
    if known is None:
        known = _known(normalized, lock)
    customer = _joined(known, normalized, lock)
    created = customer is None
    if customer is None:
        customer = Customer.objects.create(
            display_name=interaction.display_name[:200],
            language=interaction.language,
            organization=_organization_for([(k, v) for k, v, _, _ in normalized]),
        )
    else:
        _complete_name(customer, interaction)
    for kind, value, verified, _joinable in normalized:
        if (kind, value) not in known:
            Identity.objects.create(customer=customer, kind=kind, value=value, verified=verified)
    return customer, created
