from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Max

from hub.models import Customer, Ticket
from hub.models.tickets import OPEN_STATUSES

_FIELDS = ("id", "subject", "status", "origin_channel", "last_activity_at")
# How many open and how many earlier tickets the summary lists.
OPEN_LIMIT, RECENT_LIMIT = 10, 5


def history_summary(customer: Customer, ticket: Ticket) -> dict[str, Any]:
    """The customer's journey as the agent needs it beside the conversation.

    Open tickets on every channel, the most recent others, the last contact per channel and
    lifetime contacts. Three queries, bounded by LIMITs, so a customer with thousands of
    tickets costs the same as one with two.
    """
    others = Ticket.objects.filter(customer=customer).exclude(pk=ticket.pk)
    open_rows = list(
        others.filter(status__in=OPEN_STATUSES).order_by("-last_activity_at").values(*_FIELDS)[:OPEN_LIMIT]
    )
    recent_rows = list(
        others.exclude(status__in=OPEN_STATUSES).order_by("-last_activity_at").values(*_FIELDS)[:RECENT_LIMIT]
    )
    per_channel = (
        Ticket.objects.filter(customer=customer)
        .values("origin_channel")
        .annotate(last=Max("last_activity_at"), n=Count("id"))
    )
    return {
        "open_tickets": [_brief(r) for r in open_rows],
        "recent_tickets": [_brief(r) for r in recent_rows],
        "last_contact": {row["origin_channel"]: row["last"].isoformat() for row in per_channel},
        "lifetime_tickets": sum(row["n"] for row in per_channel),
        **_profile(customer, ticket),
    }


# One query reads this many of the customer's latest tickets; a customer with fewer (nearly all)
# gets the whole summary from it. Only one with more pays for history_summary's three queries.
HISTORY_SCAN = 50


def _summary_of(customer: Customer, ticket: Ticket, others: list[dict[str, Any]]) -> dict[str, Any]:
    """history_summary from all of the customer's other tickets and ``ticket`` in memory."""
    last_contact: dict[str, Any] = {ticket.origin_channel: ticket.last_activity_at}
    for row in others:
        seen = last_contact.get(row["origin_channel"])
        if seen is None or row["last_activity_at"] > seen:
            last_contact[row["origin_channel"]] = row["last_activity_at"]
    open_rows = [r for r in others if r["status"] in OPEN_STATUSES][:OPEN_LIMIT]
    recent_rows = [r for r in others if r["status"] not in OPEN_STATUSES][:RECENT_LIMIT]
    return {
        "open_tickets": [_brief(r) for r in open_rows],
        "recent_tickets": [_brief(r) for r in recent_rows],
        "last_contact": {channel: at.isoformat() for channel, at in last_contact.items()},
        "lifetime_tickets": len(others) + 1,
        **_profile(customer, ticket),
    }


def _profile(customer: Customer, ticket: Ticket) -> dict[str, Any]:
    org = customer.organization
    return {
        "segment": customer.segment,
        "key_account": customer.vip or bool(org and org.key_account),
        "organization": org.name if org else "",
        "language": customer.language or ticket.language,
    }


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "subject": row["subject"],
        "status": row["status"],
        "channel": row["origin_channel"],
        "last_activity_at": row["last_activity_at"].isoformat(),
    }


def enrich_fields(ticket: Ticket, customer: Customer, *, new_customer: bool = False) -> list[str]:
    """Set the ticket's history and language in memory, for the caller's one UPDATE.

    Call it after the ticket's list fields are set for the new message: the summary counts the
    ticket as it will be saved. A customer created for this message has no other ticket, so
    its summary needs no query at all.
    """
    others: list[dict[str, Any]] = []
    if not new_customer:
        others = list(
            Ticket.objects.filter(customer=customer)
            .exclude(pk=ticket.pk)
            .order_by("-last_activity_at")
            .values(*_FIELDS)[:HISTORY_SCAN]
        )
    if len(others) < HISTORY_SCAN:
        ticket.history = _summary_of(customer, ticket, others)
    else:
        history = history_summary(customer, ticket)
        # The database still holds this ticket's activity before the message being stored.
        stored = history["last_contact"].get(ticket.origin_channel)
        if stored is None or datetime.fromisoformat(stored) < ticket.last_activity_at:
            history["last_contact"][ticket.origin_channel] = ticket.last_activity_at.isoformat()
        ticket.history = history
    if not ticket.language and customer.language:
        ticket.language = customer.language
    return ["history", "language"]


def enrich(ticket: Ticket, customer: Customer) -> None:
    ticket.save(update_fields=enrich_fields(ticket, customer))
