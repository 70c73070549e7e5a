from __future__ import annotations

from typing import Any

from django.db.models import Count, Max

from hub.models import Customer, Ticket
from hub.models.tickets import OPEN_STATUSES


def history_summary(customer: Customer, ticket: Ticket) -> dict[str, Any]:
    """The customer's journey as the agent needs it beside the conversation.

    Open tickets on every channel, the most recent others, the last contact per channel and
    lifetime contacts. Three queries, bounded by LIMITs, so a customer with thousands of
    tickets costs the same as one with two.
    """
    others = Ticket.objects.filter(customer=customer).exclude(pk=ticket.pk)
    fields = ("id", "subject", "status", "origin_channel", "last_activity_at")
    open_rows = list(others.filter(status__in=OPEN_STATUSES).order_by("-last_activity_at").values(*fields)[:10])
    recent_rows = list(
        others.exclude(status__in=OPEN_STATUSES).order_by("-last_activity_at").values(*fields)[:5]
    )
    per_channel = (
        Ticket.objects.filter(customer=customer)
        .values("origin_channel")
        .annotate(last=Max("last_activity_at"), n=Count("id"))
    )
    last_contact = {row["origin_channel"]: row["last"].isoformat() for row in per_channel}
    lifetime = sum(row["n"] for row in per_channel)

    def brief(row: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": row["id"],
            "subject": row["subject"],
            "status": row["status"],
            "channel": row["origin_channel"],
            "last_activity_at": row["last_activity_at"].isoformat(),
        }

    org = customer.organization
    return {
        "open_tickets": [brief(r) for r in open_rows],
        "recent_tickets": [brief(r) for r in recent_rows],
        "last_contact": last_contact,
        "lifetime_tickets": lifetime,
        "segment": customer.segment,
        "key_account": customer.vip or bool(org and org.key_account),
        "organization": org.name if org else "",
        "language": customer.language or ticket.language,
    }


def enrich(ticket: Ticket, customer: Customer) -> None:
    ticket.history = history_summary(customer, ticket)
    if not ticket.language and customer.language:
        ticket.language = customer.language
    ticket.save(update_fields=["history", "language"])
