from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from hub.channels import Interaction
from hub.models import Customer, Message, Ticket, TicketStatus


@dataclass(frozen=True)
class ThreadDecision:
    ticket: Ticket | None  # None: open a new ticket
    reason: str
    # A ticket the interaction refers to but must not join (closed, or another customer's).
    linked_ticket_id: int | None = None


def _takes_part(ticket: Ticket, customer: Customer) -> bool:
    if ticket.customer_id == customer.pk:
        return True
    return Message.objects.filter(ticket=ticket, author_customer=customer).exists()


def _join(ticket: Ticket, customer: Customer, reason: str) -> ThreadDecision:
    if not _takes_part(ticket, customer):
        # Thread headers can be forged or forwarded; a stranger's mail never lands silently in
        # someone else's conversation. It opens a new ticket that links the one it points to.
        return ThreadDecision(None, f"{reason}, but the sender does not take part in it", ticket.pk)
    if ticket.status == TicketStatus.CLOSED:
        return ThreadDecision(None, f"{reason}, which is closed: follow-up ticket", ticket.pk)
    return ThreadDecision(ticket, reason)


def thread(interaction: Interaction, customer: Customer) -> ThreadDecision:
    """Decide which ticket an interaction belongs to; the reason is recorded on the ticket."""
    hints = interaction.thread
    if hints.message_ids:
        earlier = (
            Message.objects.filter(channel=interaction.channel, external_id__in=list(hints.message_ids))
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            return _join(earlier.ticket, customer, f"replies to message {earlier.external_id}")
    if hints.ticket_id is not None:
        ticket = Ticket.objects.filter(pk=hints.ticket_id).first()
        if ticket is not None:
            return _join(ticket, customer, f"names ticket #{ticket.pk}")
    if hints.session:
        earlier = (
            Message.objects.filter(channel=interaction.channel, thread_key=hints.session)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            return _join(earlier.ticket, customer, f"continues {interaction.channel} session {hints.session}")
    if hints.reopen_within_days is not None:
        since = timezone.now() - timedelta(days=hints.reopen_within_days)
        recent = (
            Ticket.objects.filter(customer=customer, origin_channel=interaction.channel, last_activity_at__gte=since)
            .exclude(status=TicketStatus.CLOSED)
            .order_by("-last_activity_at")
            .first()
        )
        if recent is not None:
            return ThreadDecision(
                recent, f"same customer on {interaction.channel} within {hints.reopen_within_days} days"
            )
    return ThreadDecision(None, "no earlier conversation matches")
