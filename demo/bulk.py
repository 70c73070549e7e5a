"""Scale data: N tickets with messages, events, customers and tags, spread over a year.

One million tickets must take minutes: rows are generated in Python in chunks and written with
PostgreSQL COPY (``bulk_create`` on other databases), one transaction per chunk, with explicit
primary keys reserved from the sequences so messages and events can point at their tickets
without reading anything back. TicketEvent rows are written here directly rather than through
``hub.events``, whose one INSERT per event would take hours at this volume; the kinds and data
are the ones ``hub.events`` writes.

Every ticket's list fields (last message, counts, version, activity times) and history are
computed from the rows generated for it, so they agree with what the pipeline would store.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from demo import texts
from demo.people import CHANNEL_TEAMS, TAGS
from demo.tables import Rows, reserve_ids, uses_copy
from hub.models import (
    Agent,
    Customer,
    DeliveryStatus,
    Direction,
    EventKind,
    Identity,
    IdentityKind,
    Message,
    MessageKind,
    Tag,
    Team,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from hub.pipeline.enrich import OPEN_LIMIT, RECENT_LIMIT, profile_fields, summarize
from hub.text import preview

CHANNELS = ("email", "chat", "web", "phone", "sms")
CHANNEL_WEIGHTS = (45, 25, 12, 12, 6)
PRIORITIES = (1, 2, 3, 4)
PRIORITY_WEIGHTS = (15, 60, 20, 5)
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
# Status by how long ago the ticket last moved: recent ones are still being worked on.
STATUS_WEIGHTS_BY_AGE = (
    (2, (30, 35, 15, 5, 15, 0)),
    (14, (5, 25, 20, 5, 45, 0)),
    (10**6, (0, 3, 2, 0, 25, 70)),
)
MESSAGE_COUNTS = (2, 2, 3, 3, 3, 4)
# A new customer for about one ticket in three; the others come back.
NEW_CUSTOMER_SHARE = 1 / 3
SPAN = timedelta(days=365)
# Plain strings: psycopg's COPY would write an enum member by its name, not its value.
IN, OUT = Direction.INBOUND.value, Direction.OUTBOUND.value
MESSAGE, NOTE, CALL = MessageKind.MESSAGE.value, MessageKind.NOTE.value, MessageKind.CALL.value
RECEIVED, DELIVERED = DeliveryStatus.RECEIVED.value, DeliveryStatus.DELIVERED.value
EMAIL, PHONE, CHAT = IdentityKind.EMAIL.value, IdentityKind.PHONE.value, IdentityKind.CHAT.value
NEW, SOLVED, CLOSED = TicketStatus.NEW.value, TicketStatus.SOLVED.value, TicketStatus.CLOSED.value

Progress = Callable[[str], None]


@dataclass
class BulkReport:
    tickets: int = 0
    messages: int = 0
    events: int = 0
    customers: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Past:
    """A customer's earlier tickets in this run, for the history summary."""

    tickets: list[dict[str, Any]] = field(default_factory=list)  # rows as the history summary reads them
    lifetime: int = 0
    last_contact: dict[str, datetime] = field(default_factory=dict)


class _Staff:
    def __init__(self) -> None:
        teams = list(Team.objects.order_by("pk"))
        if not teams:
            raise RuntimeError("no teams: run seed_demo without --tickets first (or create a team)")
        self.team_ids = [t.pk for t in teams]
        by_slug = {t.slug: t.pk for t in teams}
        self.channel_team = {ch: by_slug.get(CHANNEL_TEAMS[ch], self.team_ids[0]) for ch in CHANNELS}
        self.members: dict[int, list[tuple[int, str]]] = {pk: [] for pk in self.team_ids}
        for agent in Agent.objects.select_related("user").prefetch_related("teams"):
            for team in agent.teams.all():
                self.members[team.pk].append((agent.pk, agent.name))
        self.tag_ids = self._tags()

    @staticmethod
    def _tags() -> list[int]:
        if not Tag.objects.exists():
            Tag.objects.bulk_create([Tag(name=n) for n in TAGS], ignore_conflicts=True)
        return list(Tag.objects.values_list("pk", flat=True))


class _Chunk:
    """One transaction's worth of rows."""

    def __init__(self, copy: bool) -> None:
        self.customers = Rows(
            Customer,
            ("id", "display_name", "language", "timezone", "segment", "created_at", "updated_at"),
            copy=copy,
        )
        self.identities = Rows(Identity, ("customer_id", "kind", "value", "verified", "created_at"), copy=copy)
        self.tickets = Rows(
            Ticket,
            (
                "id",
                "subject",
                "customer_id",
                "status",
                "priority",
                "team_id",
                "assignee_id",
                "origin_channel",
                "language",
                "created_at",
                "updated_at",
                "last_activity_at",
                "last_customer_message_at",
                "first_response_at",
                "solved_at",
                "last_message_preview",
                "last_message_channel",
                "last_message_direction",
                "last_message_kind",
                "message_count",
                "version",
                "history",
            ),
            copy=copy,
        )
        self.tags = Rows(Ticket.tags.through, ("ticket_id", "tag_id"), copy=copy)
        self.messages = Rows(
            Message,
            (
                "id",
                "ticket_id",
                "channel",
                "direction",
                "kind",
                "author_agent_id",
                "author_customer_id",
                "sender",
                "subject",
                "text",
                "thread_key",
                "delivery_status",
                "metadata",
                "created_at",
            ),
            copy=copy,
        )
        self.events = Rows(TicketEvent, ("ticket_id", "kind", "actor_id", "data", "created_at"), copy=copy)

    def flush(self) -> dict[str, int]:
        # Parents first: the foreign keys are checked at commit, but order keeps it obvious.
        order = ("customers", "identities", "tickets", "tags", "messages", "events")
        return {name: getattr(self, name).flush() for name in order}


class BulkSeeder:
    def __init__(self, *, seed: int = 0, now: datetime | None = None, copy: bool | None = None) -> None:
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.copy = uses_copy() if copy is None else copy
        self.staff = _Staff()
        self.previews: dict[str, str] = {}

    def run(self, n: int, *, chunk_size: int = 20_000, progress: Progress | None = None) -> BulkReport:
        report = BulkReport()
        started = time.monotonic()
        for offset in range(0, n, chunk_size):
            size = min(chunk_size, n - offset)
            with transaction.atomic():
                skip_fk_checks = self.copy and _can_skip_fk_checks()
                if skip_fk_checks:
                    _set_local_replica_role()
                counts = self._chunk(offset, size, n)
            report.tickets += counts["tickets"]
            report.messages += counts["messages"]
            report.events += counts["events"]
            report.customers += counts["customers"]
            report.seconds = time.monotonic() - started
            if progress:
                rate = report.tickets / report.seconds if report.seconds else 0.0
                progress(
                    f"{report.tickets:>10,} / {n:,} tickets  {report.messages:,} messages  "
                    f"{report.events:,} events  {report.customers:,} customers  {rate:,.0f} tickets/s"
                )
        analyze()
        report.seconds = time.monotonic() - started
        return report

    # -- one chunk ------------------------------------------------------------------------------

    def _chunk(self, offset: int, size: int, n: int) -> dict[str, int]:
        rng = self.rng
        # Plan first, so exactly the ids needed can be reserved before any row is built.
        owners: list[int] = []
        new_customers = 0
        for i in range(size):
            if i == 0 or rng.random() < NEW_CUSTOMER_SHARE:
                owners.append(new_customers)
                new_customers += 1
            else:
                # Returning customers come back within a few weeks, not at random over the year.
                owners.append(owners[max(0, i - rng.randint(1, 300))])
        plans = [(rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0], rng.choice(MESSAGE_COUNTS)) for _ in range(size)]
        customer_base = reserve_ids(Customer, new_customers)
        ticket_base = reserve_ids(Ticket, size)
        message_base = reserve_ids(Message, sum(k for _, k in plans))

        rows = _Chunk(self.copy)
        customers: dict[int, tuple[int, str, str]] = {}
        pasts: dict[int, _Past] = {}
        message_id = message_base
        for i in range(size):
            channel, count = plans[i]
            at = min(self.now - SPAN + SPAN * ((offset + i + rng.random()) / n), self.now - timedelta(seconds=10))
            local = owners[i]
            if local not in customers:
                customers[local] = self._customer(rows, customer_base + local, channel, at)
                pasts[local] = _Past()
            message_id = self._ticket(
                rows, ticket_base + i, customers[local], pasts[local], channel, count, at, message_id
            )
        return rows.flush()

    def _customer(self, rows: _Chunk, cid: int, channel: str, at: datetime) -> tuple[int, str, str]:
        rng = self.rng
        lang = "de" if rng.random() < 0.7 else "en"
        first, last = rng.choice(texts.FIRST_NAMES[lang]), rng.choice(texts.LAST_NAMES[lang])
        name = f"{first} {last}"
        created = at - timedelta(minutes=rng.randint(1, 60))
        tz = "Europe/Berlin" if lang == "de" else "Europe/London"
        rows.customers.add(cid, name, lang, tz, rng.choice(("consumer", "consumer", "business")), created, created)
        domain = "example.de" if lang == "de" else "example.com"
        email = f"{texts.ascii_name(first)}.{texts.ascii_name(last)}.{cid}@{domain}"
        rows.identities.add(cid, EMAIL, email, True, created)
        if channel in ("phone", "sms") or rng.random() < 0.3:
            phone = f"+49157{cid:08d}" if lang == "de" else f"+4474{cid:08d}"
            rows.identities.add(cid, PHONE, phone, True, created)
        if channel == "chat":
            rows.identities.add(cid, CHAT, f"visitor-b{cid}", False, created)
        return cid, name, lang

    def _status(self, last: datetime) -> str:
        age_days = (self.now - last).total_seconds() / 86400
        for limit, weights in STATUS_WEIGHTS_BY_AGE:
            if age_days < limit:
                return self.rng.choices(STATUSES, weights)[0]
        return CLOSED

    def _preview(self, text: str) -> str:
        cached = self.previews.get(text)
        if cached is None:
            cached = self.previews[text] = preview(text, 200)
        return cached

    def _ticket(
        self,
        rows: _Chunk,
        tid: int,
        customer: tuple[int, str, str],
        past: _Past,
        channel: str,
        count: int,
        at: datetime,
        message_id: int,
    ) -> int:
        rng = self.rng
        cid, name, lang = customer
        number = rng.randint(10000, 99999)
        subject_tpl, opener_tpl = rng.choice(texts.OPENERS[lang])
        subject = subject_tpl.format(n=number)
        opener = opener_tpl.format(n=number)
        team_id = self.staff.channel_team[channel] if rng.random() < 0.8 else rng.choice(self.staff.team_ids)
        members = self.staff.members[team_id]
        agent_id, agent_name = rng.choice(members) if members else (None, "")

        # The conversation: the customer opens; agents reply, now and then a note or a follow-up.
        gap = (1, 15) if channel == "chat" else (20, 2 * 24 * 60)
        when = at
        script: list[tuple[str, str, str, datetime]] = []  # direction, kind, text, created_at
        first_kind = CALL if channel == "phone" else MESSAGE
        script.append((IN, first_kind, opener, when))
        for n in range(1, count):
            # Late tickets squeeze their replies into the time left, still in order.
            when = min(when + timedelta(minutes=rng.randint(*gap)), self.now - timedelta(seconds=count - n))
            if n % 2 == 1:
                if rng.random() < 0.15:
                    script.append((OUT, NOTE, rng.choice(texts.NOTES[lang]), when))
                else:
                    script.append((OUT, MESSAGE, rng.choice(texts.REPLIES[lang]), when))
            else:
                script.append((IN, MESSAGE, rng.choice(texts.FOLLOW_UPS[lang]), when))
        last_at = script[-1][3]
        status = self._status(last_at)
        if status == NEW:
            # Nobody has answered a new ticket yet: keep only what the customer sent.
            script = [s for s in script if s[0] == IN]
            last_at = script[-1][3]
            assignee = None if rng.random() < 0.7 else agent_id
        else:
            assignee = agent_id if rng.random() < 0.9 else None

        data = rows.events.json
        events = rows.events
        events.add(tid, EventKind.CREATED.value, None, data({"channel": channel, "reason": "new_conversation"}), at)
        events.add(tid, EventKind.ROUTED.value, None, data({"team_id": team_id, "rule": "channel_default"}), at)
        if assignee is not None:
            events.add(tid, EventKind.ASSIGNED.value, None, data({"assignee_id": assignee, "previous_id": None}), at)
        thread_key = chat_session_key(tid) if channel == "chat" else f"bulk-call-{tid}" if channel == "phone" else ""
        first_response = last_customer = None
        for index, (direction, kind, text, created) in enumerate(script):
            inbound = direction == IN
            meta: dict[str, Any] = {}
            if kind == CALL:
                meta = {"duration_seconds": rng.randint(40, 900), "direction": "inbound"}
            elif channel == "web" and index == 0:
                meta = {"form": "kontakt", "fields": {"name": name, "thema": subject}}
            rows.messages.add(
                message_id,
                tid,
                channel,
                direction,
                kind,
                None if inbound else (assignee or agent_id),
                cid if inbound else None,
                name if inbound else agent_name,
                subject if channel == "email" else "",
                text,
                thread_key,
                RECEIVED if inbound else DELIVERED,
                rows.messages.json(meta),
                created,
            )
            if inbound:
                last_customer = created
                events.add(
                    tid,
                    EventKind.THREADED.value,
                    None,
                    data({"message_id": message_id, "reason": "new_conversation"}),
                    created,
                )
            elif kind == NOTE:
                events.add(tid, EventKind.NOTE.value, assignee or agent_id, data({"message_id": message_id}), created)
            else:
                first_response = first_response or created
                events.add(
                    tid,
                    EventKind.REPLIED.value,
                    assignee or agent_id,
                    data({"message_id": message_id, "channel": channel}),
                    created,
                )
            message_id += 1
        version = 1 + len(script) + (assignee is not None)
        solved_at = None
        if status != NEW:
            events.add(tid, EventKind.STATUS.value, assignee, data({"status": status, "previous": "new"}), last_at)
            version += 1
            if status in (SOLVED, CLOSED):
                solved_at = last_at
        last = script[-1]
        history = self._history(past, tid, subject, status, channel, last_at, lang)
        rows.tickets.add(
            tid,
            subject,
            cid,
            status,
            rng.choices(PRIORITIES, PRIORITY_WEIGHTS)[0],
            team_id,
            assignee,
            channel,
            lang,
            at,
            last_at,
            last_at,
            last_customer,
            first_response,
            solved_at,
            self._preview(last[2]),
            channel,
            last[0],
            last[1],
            len(script),
            version,
            rows.tickets.json(history),
        )
        if rng.random() < 0.3 and self.staff.tag_ids:
            for tag_id in rng.sample(self.staff.tag_ids, rng.randint(1, min(2, len(self.staff.tag_ids)))):
                rows.tags.add(tid, tag_id)
        return message_id

    @staticmethod
    def _history(
        past: _Past, tid: int, subject: str, status: str, channel: str, last_at: datetime, lang: str
    ) -> dict[str, Any]:
        """What ``history_summary`` says for this ticket, from the customer's tickets so far.

        Only their latest few are remembered: enough for both lists unless an open ticket
        lies further back, which a million-ticket load can afford to leave out.
        """
        past.lifetime += 1
        seen = past.last_contact.get(channel)
        past.last_contact[channel] = last_at if seen is None else max(seen, last_at)
        history = summarize(
            past.tickets,
            last_contact=past.last_contact,
            lifetime=past.lifetime,
            profile=profile_fields(segment="", key_account=False, organization="", language=lang),
        )
        past.tickets.append(
            {"id": tid, "subject": subject, "status": status, "origin_channel": channel, "last_activity_at": last_at}
        )
        # Enough of the latest for both lists (``summarize`` lists at most OPEN_LIMIT + RECENT_LIMIT).
        del past.tickets[: -(OPEN_LIMIT + RECENT_LIMIT)]
        return history


def chat_session_key(ticket_id: int) -> str:
    """A chat thread key in the chat channel's form (a session UUID), unique per ticket."""
    return str(uuid.UUID(int=ticket_id))


def _can_skip_fk_checks() -> bool:
    """Whether this chunk may skip PostgreSQL's per-row foreign key checks.

    The rows reference ids reserved and written in the same transaction, so the checks cannot
    fail; at a million tickets they are most of the load time (one lookup per reference, run
    at commit). Skipping them needs ``session_replication_role``, which only a superuser may
    set, and would also skip any trigger of our own: so only when the role allows it and the
    tables have no triggers besides the foreign keys' internal ones.
    """
    if os.environ.get("SEED_FK_CHECKS") == "always":
        return False
    tables = [m._meta.db_table for m in (Customer, Identity, Ticket, Ticket.tags.through, Message, TicketEvent)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        if not row or not row[0]:
            return False
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = ANY(%s::regclass[])", [tables]
        )
        return bool(cursor.fetchone()[0] == 0)


def _set_local_replica_role() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")


def analyze() -> None:
    """Fresh planner statistics: without them PostgreSQL plans the inbox for an empty table.

    One table a statement, the form both PostgreSQL and SQLite take.
    """
    tables = [m._meta.db_table for m in (Customer, Identity, Ticket, Ticket.tags.through, Message, TicketEvent)]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def seed_bulk(
    n: int, *, seed: int = 0, chunk_size: int = 20_000, progress: Progress | None = None, copy: bool | None = None
) -> BulkReport:
    """Add ``n`` tickets with messages, events and customers; COPY on PostgreSQL unless ``copy=False``."""
    return BulkSeeder(seed=seed, copy=copy).run(n, chunk_size=chunk_size, progress=progress)
