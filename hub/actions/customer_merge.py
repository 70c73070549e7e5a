"""Merging two customers from the workspace: what the target takes over, and an undo for a while.

``hub.actions.customers.do_merge_customers`` moves identities, tickets and messages and records
them; here the target also takes over the source's facts it has none of (name, language,
segment, custom attributes …), a conflict keeps the target's value, and what was taken over is
written on the merge so that ``do_undo_recent_merge`` gives it back within ``UNDO_WINDOW``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hub import audit
from hub.actions.customers import MergeError, do_merge_customers, do_undo_merge
from hub.models import Account, Agent, Customer, CustomerMerge, Identity

audit.describe("customer.identity_verified", gettext_lazy("Customer identity verified"))
audit.describe("account.organizations_by_domain", gettext_lazy("Organizations by mail domain switched"))

# How long the workspace offers to undo a merge: long enough to notice the wrong one.
UNDO_WINDOW = timedelta(minutes=10)
# The customer's own fields a target without one takes over (attribute names, not labels).
FILLABLE = ("display_name", "organization_id", "language", "timezone", "segment")


class UndoWindowPassed(MergeError):
    """The merge is older than ``UNDO_WINDOW``: only a fresh mistake is undone in one step."""


@dataclass(frozen=True)
class Conflict:
    """One fact both customers hold differently; the target's value wins."""

    name: str
    kept: Any
    dropped: Any


@dataclass
class MergePlan:
    """What merging ``source`` into ``target`` would do, for the merge screen."""

    source: Customer
    target: Customer
    ticket_ids: list[int]
    identities: list[Identity]
    fields: list[str] = field(default_factory=list)
    attributes: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


def _filled(source: Customer, target: Customer) -> tuple[list[str], list[str], list[Conflict]]:
    fields, conflicts = [], []
    for name in FILLABLE:
        mine, theirs = getattr(target, name), getattr(source, name)
        if theirs in (None, "") or mine == theirs:
            continue
        if mine in (None, ""):
            fields.append(name)
        else:
            conflicts.append(Conflict(name, mine, theirs))
    attributes = []
    for key, value in sorted(source.attributes.items()):
        if key not in target.attributes:
            attributes.append(key)
        elif target.attributes[key] != value:
            conflicts.append(Conflict(key, target.attributes[key], value))
    return fields, attributes, conflicts


def merge_plan(source: Customer, target: Customer) -> MergePlan:
    """Read-only: the tickets and identities that would move and how the facts combine."""
    fields, attributes, conflicts = _filled(source, target)
    return MergePlan(
        source=source,
        target=target,
        ticket_ids=list(source.tickets.order_by("-created_at").values_list("pk", flat=True)),
        identities=list(source.identities.order_by("kind", "pk")),
        fields=fields,
        attributes=attributes,
        conflicts=conflicts,
    )


@transaction.atomic
def do_merge_into(source: Customer, target: Customer, *, actor: Agent | None) -> CustomerMerge:
    """Merge ``source`` into ``target`` (``do_merge_customers``: scope-checked, locked, audited)
    and let the target take over the facts it lacks; ``merge.filled`` names them."""
    merge = do_merge_customers(source, target, actor=actor)
    source = Customer.objects.get(pk=source.pk)
    target = Customer.objects.select_for_update().get(pk=target.pk)
    fields, attributes, conflicts = _filled(source, target)
    for name in fields:
        setattr(target, name, getattr(source, name))
    target.attributes = {**target.attributes, **{key: source.attributes[key] for key in attributes}}
    if fields or attributes:
        target.save()
    # Conflicts are kept too, so whoever reads the merge later (the API) sees what was dropped.
    merge.filled = {
        "fields": fields,
        "attributes": attributes,
        "conflicts": [{"name": c.name, "kept": c.kept, "dropped": c.dropped} for c in conflicts],
    }
    merge.save(update_fields=["filled"])
    return merge


def undo_until(merge: CustomerMerge) -> datetime:
    return merge.merged_at + UNDO_WINDOW


def can_undo(merge: CustomerMerge, now: datetime | None = None) -> bool:
    return merge.undone_at is None and (now or timezone.now()) < undo_until(merge)


@transaction.atomic
def do_undo_recent_merge(merge: CustomerMerge, *, actor: Agent | None) -> Customer:
    """Undo ``merge`` (``do_undo_merge``) while within ``UNDO_WINDOW``, and take back from the
    target what it took over, unless someone changed it since. UndoWindowPassed after the window,
    MergeError when it was undone already."""
    if merge.undone_at is not None:
        raise MergeError(_("This merge can no longer be undone here."))
    if not can_undo(merge):
        minutes = int(UNDO_WINDOW.total_seconds() // 60)
        raise UndoWindowPassed(
            ngettext(
                "The %(minutes)d minute to undo this merge has passed; it can no longer be undone.",
                "The %(minutes)d minutes to undo this merge have passed; it can no longer be undone.",
                minutes,
            )
            % {"minutes": minutes}
        )
    source = do_undo_merge(merge, actor=actor)
    target = Customer.objects.select_for_update().get(pk=merge.target_id)
    filled = merge.filled or {}
    changed = False
    for name in filled.get("fields", []):
        if getattr(target, name) == getattr(source, name):
            setattr(target, name, None if name.endswith("_id") else "")
            changed = True
    for key in filled.get("attributes", []):
        if key in target.attributes and target.attributes[key] == source.attributes.get(key):
            target.attributes = {k: v for k, v in target.attributes.items() if k != key}
            changed = True
    if changed:
        target.save()
    return source


@transaction.atomic
def do_set_identity_verified(identity: Identity, *, verified: bool, actor: Agent | None) -> Identity:
    """Mark an email address or number as confirmed by the customer (or not), audited."""
    locked = Identity.objects.select_for_update().get(pk=identity.pk)  # no join: see do_run_rules
    if locked.verified != verified:
        locked.verified = verified
        locked.save(update_fields=["verified"])
        changes = {"identity": [str(locked), str(locked)], "verified": [not verified, verified]}
        audit.record(actor, "customer.identity_verified", target=locked.customer, changes=changes)
    return locked


@transaction.atomic
def do_set_organizations_by_domain(*, enabled: bool, actor: Agent | None) -> Account:
    """Turn on or off that new customers join the organization listing their mail domain."""
    Account.current()
    account = Account.objects.select_for_update().get(pk=1)
    if account.organizations_by_domain != enabled:
        account.organizations_by_domain = enabled
        account.save(update_fields=["organizations_by_domain", "updated_at"])
        changes = {"organizations_by_domain": [not enabled, enabled]}
        audit.record(actor, "account.organizations_by_domain", target=account, changes=changes)
    return account
