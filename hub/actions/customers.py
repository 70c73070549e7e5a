from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hub import audit, events, realtime
from hub.access import ticket_scope
from hub.models import Agent, Customer, CustomerMerge, Identity, Message, Ticket
from hub.text import language_code

audit.describe("customer.updated", gettext_lazy("Customer changed"))


class MergeError(ValueError):
    pass


class MergeNotAllowed(MergeError):
    """The merge would move tickets the agent may not see: leads and admins decide those."""


def _check_scope(actor: Agent | None, ticket_ids: list[int], message_ids: list[int]) -> None:
    """Refuse a merge (or its undo) that would change tickets outside ``actor``'s scope.

    The tickets that move, and those holding messages whose author changes, must all be the
    agent's; a merge done by the system (no actor) or by a lead or admin may touch any.
    """
    if actor is None or actor.sees_everything:
        return
    touched = Ticket.objects.filter(Q(pk__in=ticket_ids) | Q(messages__pk__in=message_ids)).distinct()
    hidden = touched.exclude(ticket_scope(actor)).count()
    if hidden:
        raise MergeNotAllowed(
            ngettext(
                "%(count)d ticket of this customer is in a team you cannot see; "
                "only a lead or an admin can merge across teams.",
                "%(count)d tickets of this customer are in teams you cannot see; "
                "only a lead or an admin can merge across teams.",
                hidden,
            )
            % {"count": hidden}
        )


def _move_tickets(ticket_ids: list[int], to: Customer) -> None:
    # The version moves on, so open views (which dedupe by version) pick up the new customer.
    Ticket.objects.filter(pk__in=ticket_ids).update(customer=to, version=F("version") + 1)


@transaction.atomic
def do_merge_customers(source: Customer, target: Customer, *, actor: Agent | None) -> CustomerMerge:
    """Move ``source``'s identities, tickets and messages to ``target`` and record exactly what moved.

    The source is kept (marked merged_into) so the merge can be undone and so pipeline lookups
    that still hold the old id follow it to the target.
    """
    if source.pk == target.pk:
        raise MergeError("a customer cannot be merged into itself")
    # Both rows locked in id order: two merges of the same pair cannot interleave or deadlock.
    locked = {
        c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise MergeError("one of these customers has already been merged into another")
    identity_ids = list(source.identities.values_list("pk", flat=True))
    ticket_ids = list(source.tickets.values_list("pk", flat=True))
    message_ids = list(Message.objects.filter(author_customer=source).values_list("pk", flat=True))
    _check_scope(actor, ticket_ids, message_ids)
    Identity.objects.filter(pk__in=identity_ids).update(customer=target)
    _move_tickets(ticket_ids, target)
    Message.objects.filter(pk__in=message_ids).update(author_customer=target)
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    merge = CustomerMerge.objects.create(
        source=source,
        target=target,
        identity_ids=identity_ids,
        ticket_ids=ticket_ids,
        message_ids=message_ids,
        merged_by=actor.user if actor else None,
    )
    for ticket in Ticket.objects.filter(pk__in=ticket_ids):
        events.customer_merged(ticket=ticket, actor=actor, source_id=source.pk, target_id=target.pk)
        realtime.ticket_changed(ticket, "ticket.updated")
    audit.record(
        actor,
        "customer.merged",
        target=target,
        changes={"merged": [f"#{source.pk} {source}", f"#{target.pk} {target}"], "tickets": len(ticket_ids)},
    )
    return merge


@transaction.atomic
def do_undo_merge(merge: CustomerMerge, *, actor: Agent | None) -> Customer:
    """Give the source back what the merge moved; what arrived since stays with the target.

    New tickets and new identities of the merged person (created while the merge stood) belong
    to the target and stay there; so do messages written since, even on the returned tickets.
    """
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeError("this merge has already been undone")
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(pk__in=[merge.source_id, merge.target_id]).order_by("pk")
    }
    source, target = locked[merge.source_id], locked[merge.target_id]
    if target.merged_into_id is not None:
        # What moved here has moved on; undoing this one first would leave it half-returned.
        raise MergeError("the target has since been merged into another customer: undo that merge first")
    returning = list(Ticket.objects.filter(pk__in=merge.ticket_ids, customer=target).values_list("pk", flat=True))
    messages = Message.objects.filter(pk__in=merge.message_ids, author_customer=target)
    _check_scope(actor, returning, list(messages.values_list("pk", flat=True)))
    Identity.objects.filter(pk__in=merge.identity_ids, customer=target).update(customer=source)
    _move_tickets(returning, source)
    messages.update(author_customer=source)
    source.merged_into = None
    source.save(update_fields=["merged_into", "updated_at"])
    merge.undone_at = timezone.now()
    merge.undone_by = actor.user if actor else None
    merge.save(update_fields=["undone_at", "undone_by"])
    for ticket in Ticket.objects.filter(pk__in=returning):
        events.customer_unmerged(ticket=ticket, actor=actor, source_id=source.pk, target_id=target.pk)
        realtime.ticket_changed(ticket, "ticket.updated")
    audit.record(
        actor,
        "customer.merge_undone",
        target=source,
        changes={"merged": [f"#{source.pk} {source}", f"#{target.pk} {target}"], "tickets": len(returning)},
    )
    return source


# What agents may change of a customer's own fields (merges and identities have their own actions).
EDITABLE = ("display_name", "language", "timezone", "segment", "vip")


def checked_language(value: str) -> str:
    """``value`` as a language code (``hub.text.language_code``), or ValueError saying what one is."""
    code = language_code(value)
    if code is None:
        raise ValueError(_("“%(value)s” is no language code; write it as de, en or pt-BR.") % {"value": value[:20]})
    return code


@transaction.atomic
def do_update_customer(customer: Customer, *, actor: Agent | None, changes: dict[str, Any]) -> Customer:
    """Change a customer's fields and attributes (``hub.customer_attributes``), audited.

    ``changes`` holds fields of ``EDITABLE`` and optionally ``attributes`` (merged into the
    stored ones; a None value removes one). Raises ``ValueError`` for wrong attributes and for a
    time zone or a language that is none.
    """
    from hub.actions.calendars import zone_problem
    from hub.customer_attributes import merged

    if changes.get("timezone") and (problem := zone_problem(changes["timezone"])):
        raise ValueError(problem)
    if "language" in changes:
        changes = changes | {"language": checked_language(str(changes["language"] or ""))}
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    before = {field: getattr(locked, field) for field in (*EDITABLE, "attributes")}
    for field in EDITABLE:
        if field in changes:
            setattr(locked, field, changes[field])
    if "attributes" in changes:
        locked.attributes = merged(locked.attributes, changes["attributes"])
    after = {field: getattr(locked, field) for field in (*EDITABLE, "attributes")}
    if after != before:
        locked.save()
        audit.record(actor, "customer.updated", target=locked, label=str(locked), changes=audit.diff(before, after))
    return locked
