"""Inbound events processed together: one transaction, the lookups in bulk, the writes in bulk.

A batch is one or more claimed events (``process`` runs a batch of one). It works in three steps:

1. ``load``: the senders' identities (their customers locked, in id order), the messages the
   events name (their own ids, for duplicates, and In-Reply-To/References), the latest message
   of each chat or call session, each known sender's latest open ticket on a channel that
   threads by time (SMS), and the tickets those and the ticket tokens point to (locked in one
   query, in id order): a handful of queries in all, however many events.
2. ``plan``: each event in order decides customer, ticket and message in memory, reading the
   loaded rows and what the events before it planned. So two mails of one new conversation in
   one batch give one customer and one ticket, as they would one after the other.
3. ``write``: customers, identities, tickets, messages, attachments and timeline events with
   one INSERT each, one UPDATE for the tickets that already existed, routing per new ticket.

Anything that goes wrong rolls the whole transaction back; the caller then processes the
events one by one, so one bad event never takes the others with it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from hub import events, realtime, routing, sql, textsignals
from hub.actions import notifications as notify
from hub.adapters import Interaction
from hub.models import (
    Attachment,
    Customer,
    Direction,
    Identity,
    IdentityKind,
    InboundEvent,
    Message,
    Organization,
    Ticket,
    TicketStatus,
)
from hub.pipeline.enrich import Histories, set_language
from hub.pipeline.identify import (
    Normalized,
    known_identities,
    normalized_identities,
    organizations_for,
    resolve_merged,
)
from hub.pipeline.store import new_attachments, new_message, new_ticket, take_message, tell_channels
from hub.pipeline.thread import thread
from hub.sla.hooks import BatchClocks


def update_rows(rows: list[Ticket], fields: list[str]) -> None:
    """Save ``fields`` of rows the batch holds locked: one UPDATE … FROM unnest() on PostgreSQL.

    The rows were read FOR UPDATE, so their values in memory are current: writing a field one
    row did not change writes the value it has.
    """
    if len(rows) < 2 or connection.vendor != "postgresql":
        for row in rows:
            row.save(update_fields=fields)
        return
    statement, params = sql.update_from_arrays(Ticket, rows, fields)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# What threading and duplicate checks read of an earlier message.
_MESSAGE_FIELDS = ("id", "channel", "external_id", "created_at", "ticket", "author_customer")


def _latest_in_sessions(sessions: set[tuple[str, str]]) -> dict[tuple[str, str], Message]:
    """The latest stored message of each (channel, session): one query for the whole batch.

    A chat batch holds many messages of a few sessions: one lookup per session was most of the
    worker's time per chat message. On PostgreSQL each session is one LATERAL index lookup (as
    the one-by-one query was); elsewhere they stay one query each.
    """
    if not sessions:
        return {}
    ordered = sorted(sessions)
    if connection.vendor != "postgresql":
        found: dict[tuple[str, str], Message] = {}
        for channel, session in ordered:
            earlier = (
                Message.objects.filter(channel=channel, thread_key=session)
                .only(*_MESSAGE_FIELDS, "thread_key")
                .order_by("-created_at", "-id")
                .first()
            )
            if earlier is not None:
                found[(channel, session)] = earlier
        return found
    statement, params = sql.latest_per_key(
        Message,
        (*_MESSAGE_FIELDS, "thread_key"),
        keys={"channel": [c for c, _ in ordered], "thread_key": [s for _, s in ordered]},
    )
    rows = Message.objects.raw(statement, params)
    return {(message.channel, message.thread_key): message for message in rows}


def _recent_on(tickets: QuerySet[Ticket], channel: str, since: datetime) -> QuerySet[Ticket]:
    """Open tickets active since ``since`` that came in on ``channel``, or on which we wrote to
    the customer on it (a phone ticket answered by SMS): the customer's answer there belongs there."""
    written = Message.objects.filter(
        ticket=OuterRef("pk"), channel=channel, direction=Direction.OUTBOUND, created_at__gte=since
    )
    return (
        tickets.filter(last_activity_at__gte=since)
        .filter(Q(origin_channel=channel) | Exists(written))
        .exclude(status=TicketStatus.CLOSED)
    )


@dataclass(eq=False)
class Item:
    """One event of the batch and what the batch decided for it."""

    event: InboundEvent
    interaction: Interaction
    identities: list[Normalized]
    duplicate_of: Message | None = None
    customer: Customer | None = None
    ticket: Ticket | None = None
    created: bool = False  # the event opens ticket
    reason: str = ""
    linked_ticket_id: int | None = None
    message: Message | None = None
    reopened_from: str | None = None
    route: routing.Decision | None = None  # the ticket's routing and the rules' changes

    @classmethod
    def of(cls, event: InboundEvent, interaction: Interaction) -> Item:
        """Raises when the interaction names no usable identity (nothing is changed yet).

        A customer's message whose channel declared no language gets the detected one: the
        new ticket, a new customer and the routing rules (``language``) all read it.
        """
        if not interaction.language and not interaction.automatic:
            detected = textsignals.detect_language(interaction.subject, interaction.text)
            if detected:
                interaction = dataclasses.replace(interaction, language=detected)
        return cls(event, interaction, normalized_identities(interaction))

    @property
    def outcome(self) -> str:
        if self.duplicate_of is not None:
            return "duplicate"
        return self.interaction.automatic or ("created" if self.created else "appended")

    @property
    def ticket_id(self) -> int | None:
        if self.duplicate_of is not None:
            return self.duplicate_of.ticket_id
        return self.ticket.pk if self.ticket is not None else None

    @property
    def message_id(self) -> int | None:
        found = self.duplicate_of or self.message
        return found.pk if found is not None else None


class Batch:
    """The events of one transaction, and the rows they share. Run inside that transaction."""

    def __init__(self, items: list[Item]) -> None:
        self.items = items
        self.identities: dict[tuple[str, str], Identity] = {}
        # Claimed identities whose address wrote itself (``_identify``): moved to its customer.
        self.taken_over: list[Identity] = []
        self.customers: dict[int, Customer] = {}  # by pk: one object per row, shared by the items
        self.tickets: dict[int, Ticket] = {}  # by pk, locked
        self.messages: dict[tuple[str, str], Message] = {}  # by (channel, external id): loaded and planned
        self.sessions: dict[tuple[str, str], Message | None] = {}
        # (channel, Message-ID) → the latest reply that came before that message (thread.awaits).
        self.awaited: dict[tuple[str, str], Message] = {}
        self.new_customers: list[Customer] = []
        self.new_identities: list[Identity] = []
        self.new_tickets: list[Ticket] = []
        self.router = routing.Router(self.tickets)
        self.sla = BatchClocks(self.router)  # the SLA clocks of the batch's tickets
        self.renamed: dict[int, Customer] = {}
        self.fields: dict[int, set[str]] = {}  # pk of an existing ticket → the fields to save
        # Every ticket that gets a message, first touched first, with the sender of its last one.
        self.touched: dict[int, tuple[Ticket, Customer]] = {}
        self._authors: dict[int, set[int]] = {}  # id(ticket) → id(customer) of its planned messages
        self._organizations: dict[str, Organization] | None = None
        self._absent: set[int] = set()  # ticket ids named by hints that do not exist
        # (customer pk, channel) → (since, the latest open ticket on that channel since then or
        # None), read in ``load`` for the channels that thread by time (``recent_ticket``).
        self.recent: dict[tuple[int, str], tuple[datetime, int | None]] = {}

    def run(self) -> None:
        self.load()
        for item in self.items:
            self.plan(item)
        self.write()

    # -- 1. load ----------------------------------------------------------------------------

    def load(self) -> None:
        pairs = {(kind, value) for item in self.items for kind, value, *_ in item.identities}
        for identity in known_identities(pairs):
            identity.customer = self._customer(identity.customer)
            self.identities[(identity.kind, identity.value)] = identity
        # Identities first: their customer locks are what serializes one customer's messages, so
        # the messages and tickets read below include whatever another worker committed for them.
        wanted: dict[str, set[str]] = {}
        for item in self.items:
            interaction = item.interaction
            ids = wanted.setdefault(interaction.channel, set())
            if interaction.external_id:
                ids.add(interaction.external_id[:998])
            ids.update(interaction.thread.message_ids)
        ticket_ids = {item.interaction.thread.ticket_id for item in self.items} - {None}
        clauses = [Q(channel=channel, external_id__in=sorted(ids)) for channel, ids in wanted.items() if ids]
        if clauses:
            for message in Message.objects.filter(reduce(or_, clauses)).only(*_MESSAGE_FIELDS):
                self.messages[(message.channel, message.external_id or "")] = message
                ticket_ids.add(message.ticket_id)
        self._load_awaited(ticket_ids)
        sessions = {
            (i.interaction.channel, i.interaction.thread.session) for i in self.items if i.interaction.thread.session
        }
        latest = _latest_in_sessions(sessions)
        ticket_ids.update(message.ticket_id for message in latest.values())
        self._load_recent(ticket_ids)
        # One lock for all of them, in id order: tickets named, replied to and continued alike.
        self._lock_tickets({pk for pk in ticket_ids if pk is not None})
        for key, message in list(self.messages.items()):
            if message.ticket_id in self.tickets:
                message.ticket = self.tickets[message.ticket_id]
            else:  # deleted meanwhile
                del self.messages[key]
        for key, message in list(self.awaited.items()):
            if message.ticket_id in self.tickets:
                message.ticket = self.tickets[message.ticket_id]
            else:
                del self.awaited[key]
        for key in sessions:
            self.sessions[key] = None
            found = latest.get(key)
            if found is not None and found.ticket_id in self.tickets:
                found.ticket = self.tickets[found.ticket_id]
                self.sessions[key] = found

    def _load_recent(self, ticket_ids: set[int | None]) -> None:
        """The latest open ticket of each known sender on a channel that threads by time, for
        the whole batch in one query (PostgreSQL's DISTINCT ON; elsewhere ``recent_ticket`` asks
        per message). Asked one by one, with the lock that followed, it was two queries per text
        message: most of the worker's time for an SMS conversation."""
        if connection.vendor != "postgresql":
            return
        wanted: dict[tuple[str, int], set[int]] = {}
        for item in self.items:
            days = item.interaction.thread.reopen_within_days
            customer = self._known_customer(item)
            if days is None or customer is None or customer.merged_into_id is not None:
                continue
            wanted.setdefault((item.interaction.channel, days), set()).add(customer.pk)
        now = timezone.now()
        for (channel, days), customers in wanted.items():
            since = now - timedelta(days=days)
            rows = (
                _recent_on(Ticket.objects.filter(customer_id__in=sorted(customers)), channel, since)
                .order_by("customer_id", "-last_activity_at")
                .distinct("customer_id")
                .values_list("customer_id", "pk")
            )
            found: dict[int, int] = dict(rows)
            for pk in customers:
                self.recent[(pk, channel)] = (since, found.get(pk))
            ticket_ids.update(found.values())

    def _load_awaited(self, ticket_ids: set[int | None]) -> None:
        """Replies stored before the message they answer, for the batch's mail (one query)."""
        wanted: dict[str, set[str]] = {}
        for item in self.items:
            interaction = item.interaction
            if not interaction.thread.session:  # a session's messages are threaded by it
                ids = (interaction.external_id, *interaction.thread.message_ids)
                wanted.setdefault(interaction.channel, set()).update(mid[:200] for mid in ids if mid)
        clauses = [Q(channel=channel, thread_key__in=sorted(ids)) for channel, ids in wanted.items() if ids]
        if clauses:
            earlier = Message.objects.filter(reduce(or_, clauses)).only(*_MESSAGE_FIELDS, "thread_key")
            for message in earlier.order_by("created_at", "id"):
                self.awaited[(message.channel, message.thread_key)] = message  # the latest stays
                ticket_ids.add(message.ticket_id)

    def _lock_tickets(self, pks: set[int]) -> None:
        """Lock and load tickets (in id order, the same in every worker) not held yet."""
        # A hint out of the id column's range names no ticket (and must not break the query).
        missing = sorted(pk for pk in pks - set(self.tickets) - self._absent if 0 < pk < 2**63)
        if missing:
            # Not the history: the batch writes it anew for every ticket it changes.
            locked = Ticket.objects.filter(pk__in=missing).defer("history").select_for_update().order_by("pk")
            for ticket in locked:
                self.tickets[ticket.pk] = ticket
            self._absent.update(pk for pk in missing if pk not in self.tickets)

    def _customer(self, customer: Customer) -> Customer:
        return self.customers.setdefault(customer.pk, customer)

    def _organization(self, item: Item) -> Organization | None:
        if self._organizations is None:
            domains = {
                value.rsplit("@", 1)[1]
                for other in self.items
                for kind, value, *_ in other.identities
                if kind == IdentityKind.EMAIL
            }
            self._organizations = organizations_for(domains)
        for kind, value, _, joinable, _recorded in item.identities:
            # An unproven claim (a faked sender, an address typed into a chat) earns no company
            # and so no key account's routing; the customer's record still says who they claim to be.
            if kind == IdentityKind.EMAIL and joinable:
                org = self._organizations.get(value.rsplit("@", 1)[1])
                if org is not None:
                    return org
        return None

    # -- threading's lookups (hub.pipeline.thread.Lookups) -------------------------------

    def latest_message(self, channel: str, external_ids: tuple[str, ...]) -> Message | None:
        found = [m for m in (self.messages.get((channel, mid)) for mid in external_ids) if m is not None]
        return max(found, key=lambda m: m.created_at, default=None)

    def ticket(self, pk: int) -> Ticket | None:
        self._lock_tickets({pk})
        return self.tickets.get(pk)

    def latest_in_session(self, channel: str, session: str) -> Message | None:
        # ``load`` looked up every session of the batch; ``plan`` keeps each one's latest current.
        return self.sessions.get((channel, session))

    def recent_ticket(self, customer: Customer, channel: str, since: datetime) -> Ticket | None:
        candidates = [
            ticket
            for ticket, _ in self.touched.values()
            if self._owns(customer, ticket)
            and ticket.origin_channel == channel
            and ticket.status != TicketStatus.CLOSED
            and ticket.last_activity_at >= since
        ]
        if customer.pk is not None:
            loaded = self.recent.get((customer.pk, channel))
            if loaded is not None and loaded[0] <= since:
                # Read in ``load`` for a window that began a moment earlier: its latest ticket is
                # this one's too, if it is still inside this window (checked below).
                stored = loaded[1]
            else:
                recent = _recent_on(Ticket.objects.filter(customer=customer), channel, since)
                stored = recent.order_by("-last_activity_at").values_list("pk", flat=True).first()
            found = self.ticket(stored) if stored is not None else None
            if found is not None and found.status != TicketStatus.CLOSED and found.last_activity_at >= since:
                candidates.append(found)
        return max(candidates, key=lambda t: t.last_activity_at, default=None)

    def awaiting(self, channel: str, message_ids: tuple[str, ...]) -> Message | None:
        found = [m for m in (self.awaited.get((channel, mid[:200])) for mid in message_ids) if m is not None]
        return max(found, key=lambda m: m.created_at, default=None)

    def takes_part(self, ticket: Ticket, customer: Customer) -> bool:
        if self._owns(customer, ticket) or id(customer) in self._authors.get(id(ticket), ()):
            return True
        if ticket.pk is None or customer.pk is None:
            return False
        return Message.objects.filter(ticket=ticket, author_customer=customer).exists()

    @staticmethod
    def _owns(customer: Customer, ticket: Ticket) -> bool:
        if customer.pk is not None and ticket.customer_id == customer.pk:
            return True
        return Ticket.customer.is_cached(ticket) and ticket.customer is customer

    # -- 2. plan ----------------------------------------------------------------------------

    def plan(self, item: Item) -> None:
        interaction = item.interaction
        if interaction.external_id:
            earlier = self.messages.get((interaction.channel, interaction.external_id[:998]))
            if earlier is not None:
                item.duplicate_of = earlier
                return
        customer = self._identify(item)
        decision = thread(interaction, customer, self)
        ticket = decision.ticket
        if ticket is None:
            ticket = new_ticket(interaction, customer)
            # Team and agent are set before the INSERT: the row is written once, not updated.
            item.route = self.router.decide(interaction, ticket=ticket, customer=customer)
            routing.apply(ticket, item.route)
            self.new_tickets.append(ticket)
            item.created = True
        message = new_message(ticket, interaction, customer, item.event)
        status_before = ticket.status
        fields, item.reopened_from = take_message(ticket, message, interaction, created=item.created)
        set_language(ticket, customer)
        mood = None if interaction.automatic else textsignals.frustration(interaction.text)
        if mood is not None:  # the latest customer message's; rules read it as ``sentiment``
            ticket.sentiment = mood
        if not item.created:  # the rules for a reply, in memory, saved with the ticket's other fields
            trigger = routing.reply_trigger(reopened=item.reopened_from is not None)
            item.route = self.router.decide(interaction, ticket=ticket, customer=customer, trigger=trigger)
            fields = [*fields, *routing.apply(ticket, item.route)]
        if ticket.pk is not None:
            self.fields.setdefault(ticket.pk, set()).update([*fields, "history", "language", "sentiment"])
        self.sla.note(
            ticket,
            customer,
            message,
            created=item.created,
            automatic=bool(interaction.automatic),
            status_before=status_before,
            outcome=item.route.outcome if item.route is not None else None,
        )
        item.customer, item.ticket, item.message = customer, ticket, message
        item.reason, item.linked_ticket_id = decision.reason, decision.linked_ticket_id
        if message.external_id:
            self.messages[(message.channel, message.external_id)] = message
        if message.thread_key:
            self.sessions[(message.channel, message.thread_key)] = message
        elif decision.awaits:
            message.thread_key = decision.awaits
            self.awaited[(message.channel, decision.awaits)] = message
        self._authors.setdefault(id(ticket), set()).add(id(customer))
        self.touched[id(ticket)] = (ticket, customer)

    def _known_customer(self, item: Item) -> Customer | None:
        """The customer of the interaction's first joinable known identity (maybe merged away)."""
        for kind, value, _verified, joinable, _recorded in item.identities:
            found = self.identities.get((kind, value))
            if found is not None and joinable and not found.claimed:
                return found.customer
        return None

    def _identify(self, item: Item) -> Customer:
        """The customer of a joinable known identity (followed through merges), else a new one.

        Identities of the interaction that are not yet known are added to that customer, so the
        next contact on another channel finds them; those the sender failed to prove
        (``recorded`` false) are not. An identity that belongs to someone else is never moved:
        that is a merge, and merges are an agent's decision.
        """
        interaction = item.interaction
        customer = self._known_customer(item)
        if customer is not None and customer.merged_into_id is not None:
            customer = self._customer(resolve_merged(customer, lock=True))
        if customer is None:
            customer = Customer(
                display_name=interaction.display_name[:200],
                language=interaction.language,
                timezone=interaction.timezone,
                organization=self._organization(item),
            )
            self.new_customers.append(customer)
        elif not customer.display_name and interaction.display_name:
            customer.display_name = interaction.display_name[:200]
            if customer.pk is not None:
                self.renamed[customer.pk] = customer
        for kind, value, verified, joinable, recorded in item.identities:
            # An identity the sender failed to prove (a failed sender check) is not recorded:
            # recorded, the next genuine mail from that address would join whoever faked it.
            if not recorded:
                continue
            existing = self.identities.get((kind, value))
            if existing is None:
                identity = Identity(customer=customer, kind=kind, value=value, verified=verified, claimed=not joinable)
                self.identities[(kind, value)] = identity
                self.new_identities.append(identity)
            elif existing.claimed and joinable:
                # Someone's claim gives way to the address writing itself: it is theirs now.
                existing.customer, existing.claimed, existing.verified = customer, False, verified
                if existing.pk is not None:
                    self.taken_over.append(existing)
        return customer

    # -- 3. write ---------------------------------------------------------------------------

    def write(self) -> None:
        planned = [item for item in self.items if item.message is not None]
        if not planned:
            return
        # The timeline events of all tickets go in with one INSERT when this block ends.
        with events.batched():
            for customer in self.renamed.values():
                customer.save(update_fields=["display_name", "updated_at"])
            Customer.objects.bulk_create(self.new_customers)
            Identity.objects.bulk_create(self.new_identities)
            if self.taken_over:
                for identity in self.taken_over:
                    identity.customer_id = identity.customer.pk  # a new customer has its id only now
                Identity.objects.bulk_update(self.taken_over, ["customer", "claimed", "verified"])
            histories = Histories(list(self.touched.values()), self.new_customers)
            histories.load()
            # A new ticket goes in with its history, unless that names another new ticket.
            later: list[Ticket] = []
            for ticket in self.new_tickets:
                history = histories.summary(ticket)
                if history is None:
                    later.append(ticket)
                else:
                    ticket.history = history
            # SLA clocks decided in memory: new tickets go in with their due times.
            for pk, names in self.sla.decide().items():
                self.fields.setdefault(pk, set()).update(names)
            Ticket.objects.bulk_create(self.new_tickets)
            messages = [item.message for item in planned if item.message is not None]
            Message.objects.bulk_create(messages)
            tell_channels(messages)
            Attachment.objects.bulk_create(
                [
                    a
                    for item, m in zip(planned, messages, strict=True)
                    for a in new_attachments(m, item.interaction.attachments)
                ]
            )
            for item in planned:
                self._record(item)
            self.router.flush()
            self.sla.write()
            for ticket in later:
                ticket.history = histories.summary(ticket) or {}
                ticket.save(update_fields=["history"])
            changed = [self.tickets[pk] for pk in self.fields]
            for ticket in changed:
                ticket.history = histories.summary(ticket) or {}
            update_rows(changed, sorted(set().union(*self.fields.values())))
        self._notify(planned)

    def _record(self, item: Item) -> None:
        """The ticket's timeline for this message, in the order one-by-one processing writes it."""
        ticket, message = item.ticket, item.message
        assert ticket is not None and message is not None
        if item.created:
            events.ticket_created(ticket=ticket, channel=item.interaction.channel, reason=item.reason)
            if item.linked_ticket_id is not None:
                events.ticket_linked(ticket=ticket, linked_ticket_id=item.linked_ticket_id, reason=item.reason)
        events.message_threaded(ticket=ticket, message_id=message.pk, reason=item.reason)
        if item.reopened_from is not None:
            events.status_changed(ticket=ticket, actor=None, status=ticket.status, previous=item.reopened_from)
        if item.route is not None:
            self.router.record(ticket, item.route)

    def _notify(self, planned: list[Item]) -> None:
        """One realtime event per ticket (after commit): agents' clients fetch what changed."""
        last: dict[int, Item] = {}
        created: set[int] = set()
        for item in planned:
            key = id(item.ticket)
            last[key] = item
            if item.created:
                created.add(key)
        # All of the batch's pushes go to the sender thread in one hand-off after commit.
        with realtime.collected():
            for key, item in last.items():
                assert item.ticket is not None and item.message is not None
                event = "ticket.created" if key in created else "message.added"
                realtime.ticket_changed(item.ticket, event, message_id=item.message.pk)
            # The assignees of the batch's tickets hear of their customers' replies (one INSERT
            # for the batch), and a workspace may ring for a new chat.
            replies = [
                (i.ticket, i.message)
                for k, i in last.items()
                if k not in created and i.ticket is not None and i.message is not None
                # A live chat's every line is in the agent's chat pane already.
                if i.message.direction == Direction.INBOUND and i.message.channel != "chat"
            ]
            if replies:
                notify.customer_replied(replies)
            chats = [i.ticket for k, i in last.items() if k in created and i.ticket is not None]
            if chats := [t for t in chats if t.origin_channel == "chat"]:
                notify.new_chats(chats)
