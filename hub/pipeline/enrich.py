from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Max

from hub import sql
from hub.models import Customer, Ticket
from hub.models.tickets import OPEN_STATUSES

_FIELDS = ("id", "subject", "status", "origin_channel", "last_activity_at")
# How many open and how many earlier tickets the summary lists.
OPEN_LIMIT, RECENT_LIMIT = 10, 5


def history_summary(customer: Customer, ticket: Ticket) -> dict[str, Any]:
    """The customer's journey as the agent needs it beside the conversation (``summarize``).

    For one saved ticket outside a batch (demo data, tests): the batch's ``Histories`` for
    this ticket alone. At most four queries, bounded by LIMITs, so a customer with thousands
    of tickets costs the same as one with two.
    """
    histories = Histories([(ticket, customer)], [])
    histories.load()
    summary = histories.summary(ticket)
    assert summary is not None, "only a batch's unsaved tickets leave a summary waiting"
    return summary


def summarize(
    others: Iterable[dict[str, Any]], *, last_contact: Mapping[str, datetime], lifetime: int, profile: dict[str, Any]
) -> dict[str, Any]:
    """The history summary stored on a ticket, in the one shape every writer uses.

    ``others``: the customer's other tickets as rows of ``_FIELDS``, in any order (at least
    the newest ``OPEN_LIMIT`` open and ``RECENT_LIMIT`` other ones); open tickets on every
    channel and the most recent others are listed, newest activity first. ``last_contact``:
    the latest activity per channel, this ticket's included. ``lifetime``: all the customer's
    tickets. ``profile``: ``profile_fields``.
    """
    newest = _newest(list(others))
    open_rows = [r for r in newest if r["status"] in OPEN_STATUSES][:OPEN_LIMIT]
    other_rows = [r for r in newest if r["status"] not in OPEN_STATUSES][:RECENT_LIMIT]
    return {
        "open_tickets": [_brief(r) for r in open_rows],
        "recent_tickets": [_brief(r) for r in other_rows],
        "last_contact": {channel: at.isoformat() for channel, at in last_contact.items()},
        "lifetime_tickets": lifetime,
        **profile,
    }


def profile_fields(*, segment: str, key_account: bool, organization: str, language: str) -> dict[str, Any]:
    """What the summary says about the customer besides their tickets."""
    return {"segment": segment, "key_account": key_account, "organization": organization, "language": language}


# One query reads this many of each customer's latest tickets; a customer with fewer (nearly
# all) gets the whole summary from it. Only customers with more cost three more queries a batch.
HISTORY_SCAN = 20


def _profile(customer: Customer, ticket: Ticket) -> dict[str, Any]:
    org = customer.organization
    return profile_fields(
        segment=customer.segment,
        key_account=customer.vip or bool(org and org.key_account),
        organization=org.name if org else "",
        language=customer.language or ticket.language,
    )


def _brief(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "subject": row["subject"],
        "status": row["status"],
        "channel": row["origin_channel"],
        "last_activity_at": row["last_activity_at"].isoformat(),
    }


def _row(ticket: Ticket) -> dict[str, Any]:
    return {f: getattr(ticket, f) for f in _FIELDS}


def latest_rows(
    limits: dict[int, int], statuses: tuple[str, ...] = (), *, other_statuses: bool = False
) -> dict[int, list[dict[str, Any]]]:
    """Per customer id, its latest ``limits[id]`` tickets as rows, newest activity first.

    ``statuses``: only tickets in these (``other_statuses``: in none of these). One query on
    PostgreSQL (a LATERAL join walks the (customer, last activity) index once per customer, so a
    customer with thousands of tickets costs no more than one with two); elsewhere one a customer.
    """
    found: dict[int, list[dict[str, Any]]] = {pk: [] for pk in limits}
    if not limits:
        return found
    if connection.vendor == "postgresql":
        where: sql.SQL = ("", [])
        if statuses:
            where = (f"{'NOT ' if other_statuses else ''}{sql.column(Ticket, 'status')} = ANY(%s)", [list(statuses)])
        statement, params = sql.latest_per_key(
            Ticket,
            ("customer", *_FIELDS),
            keys={"customer": list(limits)},
            limit=list(limits.values()),
            where=where,
            order_by=("-last_activity_at",),
        )
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            for customer_id, *values in cursor.fetchall():
                found[customer_id].append(dict(zip(_FIELDS, values, strict=True)))
        return found
    for pk, limit in limits.items():
        query = Ticket.objects.filter(customer_id=pk)
        if statuses:
            query = query.exclude(status__in=statuses) if other_statuses else query.filter(status__in=statuses)
        found[pk] = list(query.order_by("-last_activity_at").values(*_FIELDS)[:limit])
    return found


@dataclass
class _Stored:
    """What the database held of one customer's tickets before the batch."""

    open_rows: list[dict[str, Any]] = field(default_factory=list)  # newest first
    other_rows: list[dict[str, Any]] = field(default_factory=list)  # newest first
    last_contact: dict[str, datetime] = field(default_factory=dict)  # per channel
    count: int = 0

    @classmethod
    def of(cls, rows: list[dict[str, Any]]) -> _Stored:
        """From all of a customer's tickets."""
        stored = cls(count=len(rows))
        for row in rows:
            (stored.open_rows if row["status"] in OPEN_STATUSES else stored.other_rows).append(row)
            seen = stored.last_contact.get(row["origin_channel"])
            if seen is None or row["last_activity_at"] > seen:
                stored.last_contact[row["origin_channel"]] = row["last_activity_at"]
        return stored


class Histories:
    """The history summaries (``history_summary``) of the tickets one batch of messages touched.

    ``load`` reads the latest tickets of every customer who had tickets before the batch in one
    query (three more for customers with more than ``HISTORY_SCAN``); the tickets the batch
    created or changed are taken from memory, as they will be saved.
    """

    def __init__(self, touched: list[tuple[Ticket, Customer]], new_customers: list[Customer]) -> None:
        """``touched``: each ticket with the customer whose message it got last: the history is
        theirs. Make it when the batch's customers are saved (their ids are the keys here) and
        its new tickets are not yet."""
        self._of = {id(ticket): customer for ticket, customer in touched}
        self._stored: dict[int, _Stored] = {c.pk: _Stored() for c in new_customers}
        self._customers = {customer.pk for _, customer in touched}
        self._mine: dict[int | None, list[Ticket]] = {}  # customer id → the batch's tickets they own
        for ticket, _ in touched:
            owner = ticket.customer_id
            if owner is None and Ticket.customer.is_cached(ticket):
                owner = ticket.customer.pk  # a new ticket of a customer saved after it was made
            self._mine.setdefault(owner, []).append(ticket)
        # Tickets the database does not hold yet, per customer: they count on top of it.
        self._new = {pk: sum(1 for t in tickets if t.pk is None) for pk, tickets in self._mine.items()}

    def load(self) -> None:
        stored = [pk for pk in self._customers if pk not in self._stored]
        rows = latest_rows(dict.fromkeys(stored, HISTORY_SCAN + 1))
        many = [pk for pk in stored if len(rows[pk]) > HISTORY_SCAN]
        for pk in stored:
            if pk not in many:
                self._stored[pk] = _Stored.of(rows[pk])
        if not many:
            return
        # Enough rows that the lists stay full when the batch's own tickets are taken out.
        opens = latest_rows({pk: OPEN_LIMIT + 1 + len(self._mine.get(pk, [])) for pk in many}, OPEN_STATUSES)
        others = latest_rows(
            {pk: RECENT_LIMIT + 1 + len(self._mine.get(pk, [])) for pk in many}, OPEN_STATUSES, other_statuses=True
        )
        for pk in many:
            self._stored[pk] = _Stored(opens[pk], others[pk])
        per_channel = (
            Ticket.objects.filter(customer_id__in=many)
            .values("customer_id", "origin_channel")
            .annotate(last=Max("last_activity_at"), n=Count("id"))
        )
        for row in per_channel:
            self._stored[row["customer_id"]].last_contact[row["origin_channel"]] = row["last"]
            self._stored[row["customer_id"]].count += row["n"]

    def summary(self, ticket: Ticket) -> dict[str, Any] | None:
        """``ticket``'s history, or None while another ticket it must name is not saved yet."""
        customer = self._of[id(ticket)]
        stored = self._stored[customer.pk]
        mine = self._mine.get(customer.pk, [])
        if any(t.pk is None for t in mine if t is not ticket):
            return None
        # The batch's tickets as they will be saved, in place of what the database holds of them.
        changed = {t.pk for t in mine} | {ticket.pk}
        others = [r for r in [*stored.open_rows, *stored.other_rows] if r["id"] not in changed]
        others += [_row(t) for t in mine if t is not ticket]
        last_contact = dict(stored.last_contact)
        for t in [*mine, ticket]:
            seen = last_contact.get(t.origin_channel)
            if seen is None or t.last_activity_at > seen:
                last_contact[t.origin_channel] = t.last_activity_at
        return summarize(
            others,
            last_contact=last_contact,
            # Its stored tickets, its new ones, and this one if it is someone else's.
            lifetime=stored.count + self._new.get(customer.pk, 0) + (0 if ticket in mine else 1),
            profile=_profile(customer, ticket),
        )


def _newest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: r["last_activity_at"], reverse=True)


def set_language(ticket: Ticket, customer: Customer) -> None:
    if not ticket.language and customer.language:
        ticket.language = customer.language
