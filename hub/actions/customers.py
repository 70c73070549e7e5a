from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from hub import events, realtime
from hub.models import Agent, Customer, CustomerMerge, Identity, Message, Ticket


class MergeError(ValueError):
    pass


@transaction.atomic
def do_merge_customers(source: Customer, target: Customer, *, actor: Agent | None) -> CustomerMerge:
    """Move ``source``'s identities and tickets to ``target`` and record exactly what moved.

    The source is kept (marked merged_into) so the merge can be undone and so pipeline lookups
    that still hold the old id follow it to the target.
    """
    if source.pk == target.pk:
        raise MergeError("a customer cannot be merged into itself")
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise MergeError("one of these customers has already been merged into another")
    source = Customer.objects.select_for_update().get(pk=source.pk)
    identity_ids = list(source.identities.values_list("pk", flat=True))
    ticket_ids = list(source.tickets.values_list("pk", flat=True))
    Identity.objects.filter(pk__in=identity_ids).update(customer=target)
    Ticket.objects.filter(pk__in=ticket_ids).update(customer=target)
    Message.objects.filter(author_customer=source).update(author_customer=target)
    source.merged_into = target
    source.save(update_fields=["merged_into", "updated_at"])
    merge = CustomerMerge.objects.create(
        source=source, target=target, identity_ids=identity_ids, ticket_ids=ticket_ids,
        merged_by=actor.user if actor else None,
    )
    for ticket in Ticket.objects.filter(pk__in=ticket_ids):
        events.customer_merged(ticket=ticket, actor=actor, source_id=source.pk, target_id=target.pk)
        realtime.ticket_changed(ticket, "ticket.updated")
    return merge


@transaction.atomic
def do_undo_merge(merge: CustomerMerge, *, actor: Agent | None) -> Customer:
    """Give the source back what the merge moved; what arrived since stays with the target."""
    merge = CustomerMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeError("this merge has already been undone")
    source = merge.source
    Identity.objects.filter(pk__in=merge.identity_ids, customer=merge.target).update(customer=source)
    Ticket.objects.filter(pk__in=merge.ticket_ids, customer=merge.target).update(customer=source)
    Message.objects.filter(ticket_id__in=merge.ticket_ids, author_customer=merge.target).update(author_customer=source)
    source.merged_into = None
    source.save(update_fields=["merged_into", "updated_at"])
    merge.undone_at = timezone.now()
    merge.undone_by = actor.user if actor else None
    merge.save(update_fields=["undone_at", "undone_by"])
    for ticket in Ticket.objects.filter(pk__in=merge.ticket_ids):
        events.customer_unmerged(ticket=ticket, actor=actor, source_id=source.pk, target_id=merge.target_id)
        realtime.ticket_changed(ticket, "ticket.updated")
    return source
