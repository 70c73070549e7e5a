"""Inbound events processed together: what one-by-one processing promises still holds per event."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_chat import inbound
from channels_chat.actions import open_session
from channels_chat.models import ChatMessage, ChatSession, Sender, Widget
from channels_chat.tokens import new_visitor_token
from hub import adapters
from hub.adapters import Interaction
from hub.celery import app
from hub.models import (
    Customer,
    Direction,
    EventKind,
    InboundEvent,
    InboundState,
    Message,
    Team,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from hub.pipeline import drain, process, process_batch, receive
from hub.pipeline.enrich import history_summary
from hub.sla import choose as sla_choose
from hub.tests.factories import CustomerFactory, IdentityFactory, MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


def arrived(external_id: str, channel: str = "fake", **fields: Any) -> InboundEvent:
    """An event as the door wrote it, not processed yet (its drain has not run)."""
    return InboundEvent.objects.create(channel=channel, external_id=external_id, payload=payload(**fields))


class PoisonChannel(FakeChannel):
    """Reads like the fake channel, except mails that say how they are broken."""

    def normalize(self, event: InboundEvent) -> Interaction:
        if event.payload.get("poison") == "unreadable":
            raise ValueError("the provider sent something this adapter cannot read")
        interaction = super().normalize(event)
        if event.payload.get("poison") == "unstorable":
            # Passes every check before the INSERT and fails there (a NOT NULL column), on
            # every database: SQLite does not hold text to a varchar's length.
            return Interaction(**{**interaction.__dict__, "kind": None})
        return interaction


@pytest.fixture
def poison(db: None, team: Any) -> Iterator[PoisonChannel]:
    adapter = PoisonChannel(key="fake")
    adapters.register(adapter)
    yield adapter
    adapters.unregister(adapter.key)


@pytest.mark.parametrize("how", ["unreadable", "unstorable"])
def test_a_batch_with_one_poisoned_event_stores_the_others_and_retries_that_one(
    poison: PoisonChannel, settings: Any, how: str
) -> None:
    settings.INBOUND_MAX_ATTEMPTS = 2
    good = [arrived(f"ok-{n}", email=f"kunde{n}@example.de", text=f"Anliegen {n}") for n in range(3)]
    bad = arrived("bad", email="kaputt@example.de", poison=how)
    good.append(arrived("ok-3", email="kunde3@example.de", text="Anliegen 3"))

    report = process_batch()

    assert report.claimed == 5
    for event in good:
        event.refresh_from_db()
        assert event.state == InboundState.PROCESSED and event.outcome == "created"
        assert Message.objects.get(inbound_event=event).text == event.payload["text"]
    bad.refresh_from_db()
    assert bad.state == InboundState.FAILED and bad.attempts == 1 and bad.next_attempt_at is not None
    assert [event_id for event_id, _ in report.retries] == [bad.pk]
    assert not Message.objects.filter(inbound_event=bad).exists()

    # The retry (what the task queued with the backoff does) fails again: quarantined, kept.
    assert process(bad.pk).outcome == "quarantined"
    bad.refresh_from_db()
    assert bad.state == InboundState.QUARANTINED and bad.payload["poison"] == how
    assert Ticket.objects.count() == 4


def test_a_failed_event_waits_for_its_retry_instead_of_joining_the_next_batch(poison: PoisonChannel) -> None:
    bad = arrived("bad", poison="unreadable")
    process_batch()

    assert process_batch().claimed == 0
    bad.refresh_from_db()
    assert bad.state == InboundState.FAILED and bad.attempts == 1


def test_two_mails_of_one_new_conversation_in_one_batch_give_one_customer_and_one_ticket(
    fake_channel: FakeChannel,
) -> None:
    first = arrived("m-1", email="neu@example.de", message_id="<1@neu>", text="Mein Paket fehlt")
    second = arrived("m-2", email="Neu@Example.de", message_id="<2@neu>", in_reply_to=["<1@neu>"], text="Noch da?")

    process_batch()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.outcome, second.outcome) == ("created", "appended")
    assert first.ticket_id == second.ticket_id is not None
    assert Customer.objects.count() == 1
    ticket = Ticket.objects.get()
    assert ticket.message_count == 2
    assert ticket.last_message_preview == "Noch da?"
    assert list(ticket.events.values_list("kind", flat=True)) == ["created", "threaded", "routed", "threaded"]


def test_a_new_customer_writing_twice_in_one_batch_is_one_customer_with_two_tickets(
    fake_channel: FakeChannel,
) -> None:
    arrived("m-1", email="neu@example.de", text="Rechnung")
    arrived("m-2", email="neu@example.de", text="Lieferung")

    process_batch()

    customer = Customer.objects.get()
    tickets = list(Ticket.objects.filter(customer=customer).order_by("pk"))
    assert len(tickets) == 2
    # Each ticket's history names the other, as the agent sees it beside the conversation.
    assert tickets[1].history["lifetime_tickets"] == 2
    assert [t["id"] for t in tickets[1].history["open_tickets"]] == [tickets[0].pk]
    assert [t["id"] for t in tickets[0].history["open_tickets"]] == [tickets[1].pk]


def test_the_same_mail_from_two_doors_in_one_batch_gives_one_message(fake_channel: FakeChannel) -> None:
    imap = arrived("imap:1", message_id="<m@x>")
    smtp = arrived("smtp:1", message_id="<m@x>")

    process_batch()

    imap.refresh_from_db()
    smtp.refresh_from_db()
    assert (imap.outcome, smtp.outcome) == ("created", "duplicate")
    assert imap.ticket_id == smtp.ticket_id
    assert Message.objects.count() == 1


def test_a_reply_in_a_batch_reopens_its_solved_ticket_and_a_strangers_reply_gets_its_own(
    fake_channel: FakeChannel,
) -> None:
    owner = CustomerFactory.create()
    IdentityFactory.create(customer=owner, kind="email", value="owner@example.de")
    solved = TicketFactory.create(customer=owner, status=TicketStatus.SOLVED)
    arrived("r-1", email="owner@example.de", ticket_id=solved.pk, text="Doch nicht gelöst")
    stranger = arrived("r-2", email="eve@example.org", ticket_id=solved.pk, text="Ich auch")

    process_batch()

    solved.refresh_from_db()
    assert solved.status == TicketStatus.OPEN and solved.message_count == 1
    stranger.refresh_from_db()
    assert stranger.outcome == "created" and stranger.ticket_id != solved.pk
    link = TicketEvent.objects.get(ticket__inbound_events=stranger, kind=EventKind.LINKED)
    assert link.data["linked_ticket_id"] == solved.pk


def test_two_replies_to_one_ticket_in_a_batch_both_count_and_the_later_one_shows(fake_channel: FakeChannel) -> None:
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, kind="email", value="zwei@example.de")
    ticket = TicketFactory.create(customer=customer, status=TicketStatus.OPEN)
    version = ticket.version
    arrived("r-1", email="zwei@example.de", ticket_id=ticket.pk, text="Erste")
    arrived("r-2", email="zwei@example.de", ticket_id=ticket.pk, text="Zweite")

    process_batch()

    ticket.refresh_from_db()
    assert (ticket.message_count, ticket.version, ticket.last_message_preview) == (2, version + 2, "Zweite")
    assert list(ticket.messages.order_by("pk").values_list("text", flat=True)) == ["Erste", "Zweite"]


@pytest.mark.parametrize("earlier", [4, 70])
def test_each_tickets_history_in_a_batch_is_what_the_agent_would_read_from_the_database(
    fake_channel: FakeChannel, earlier: int
) -> None:
    # Few earlier tickets come from one read; many (more than the read takes) from another way.
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, kind="email", value="stamm@example.de")
    statuses = [TicketStatus.OPEN, TicketStatus.SOLVED, TicketStatus.CLOSED, TicketStatus.PENDING]
    tickets = [
        TicketFactory.create(
            customer=customer,
            status=statuses[n % 4],
            origin_channel="email" if n % 3 else "phone",
            last_activity_at=timezone.now() - timedelta(days=earlier - n),
        )
        for n in range(earlier)
    ]
    solved = next(t for t in reversed(tickets) if t.status == TicketStatus.SOLVED)
    arrived("m-1", email="stamm@example.de", ticket_id=solved.pk, text="Wieder kaputt")
    arrived("m-2", email="stamm@example.de", text="Neue Frage")
    arrived("m-3", email="stamm@example.de", text="Noch eine")

    process_batch()

    touched = Ticket.objects.filter(inbound_events__isnull=False).distinct()
    assert touched.count() == 3
    for ticket in touched:
        assert ticket.history == history_summary(customer, ticket)
        assert ticket.history["lifetime_tickets"] == earlier + 2


@pytest.mark.postgres("the batch writes its tickets with one UPDATE from arrays on PostgreSQL; SQLite, one by one")
def test_replies_to_many_tickets_cost_a_few_queries_per_batch_not_per_mail(fake_channel: FakeChannel) -> None:
    tickets = []
    for n in range(30):
        customer = CustomerFactory.create()
        IdentityFactory.create(customer=customer, kind="email", value=f"k{n}@example.de")
        tickets.append(TicketFactory.create(customer=customer, status=TicketStatus.PENDING))
        arrived(f"r-{n}", email=f"k{n}@example.de", ticket_id=tickets[-1].pk, text=f"Danke {n}")
    # A worker compiles the rules and policies once, and again only when they change (the
    # factories' teams just did): compiled here, so the batch costs what a running worker's does,
    # whichever test ran before this one in the process.
    sla_choose.current()

    with CaptureQueriesContext(connection) as queries:
        assert process_batch().claimed == 30

    assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {"appended"}
    assert len(queries) <= 15
    for n, ticket in enumerate(tickets):
        ticket.refresh_from_db()
        assert (ticket.status, ticket.message_count, ticket.last_message_preview) == ("open", 1, f"Danke {n}")
        assert ticket.history["lifetime_tickets"] == 1


@pytest.mark.postgres("the batch reads every sender's recent ticket with one DISTINCT ON on PostgreSQL")
@pytest.mark.parametrize("senders", [4, 40])
def test_texts_from_many_senders_in_one_batch_join_each_ones_recent_conversation_at_a_cost_that_does_not_grow(
    fake_channel: FakeChannel, django_assert_max_num_queries: Any, senders: int
) -> None:
    """A channel that threads by time (SMS): a text joins the sender's open ticket on it from the
    last days, or the ticket we wrote to them on it; a closed or older one gets a new ticket."""
    now = timezone.now()
    expected: dict[int, Ticket | None] = {}
    for n in range(senders):
        customer = CustomerFactory.create()
        IdentityFactory.create(customer=customer, kind="phone", value=f"+4915100000{n:03d}")
        kind = n % 4
        if kind == 0:  # an open conversation on the channel: joins it
            ticket = TicketFactory.create(customer=customer, origin_channel="fake", status=TicketStatus.PENDING)
            expected[n] = ticket
        elif kind == 1:  # closed: a new ticket
            TicketFactory.create(customer=customer, origin_channel="fake", status=TicketStatus.CLOSED)
            expected[n] = None
        elif kind == 2:  # a mail ticket we answered on the channel: the answer joins it
            ticket = TicketFactory.create(customer=customer, origin_channel="email", status=TicketStatus.OPEN)
            MessageFactory.create(ticket=ticket, channel="fake", direction=Direction.OUTBOUND, text="Rückruf?")
            expected[n] = ticket
        else:  # quiet for longer than the window: a new ticket
            TicketFactory.create(customer=customer, origin_channel="fake", last_activity_at=now - timedelta(days=9))
            expected[n] = None
        arrived(
            f"sms-{n}",
            identities=[{"kind": "phone", "value": f"+4915100000{n:03d}"}],
            text=f"Antwort {n}",
            reopen_within_days=7,
        )

    # The same bound for 4 texts as for 40: no sender's ticket is looked up or locked on its own.
    with django_assert_max_num_queries(24):
        assert process_batch().claimed == senders

    for n in range(senders):
        message = Message.objects.select_related("ticket").get(text=f"Antwort {n}")
        event = InboundEvent.objects.get(external_id=f"sms-{n}")
        joined = expected[n]
        if joined is None:
            assert event.outcome == "created", n
            assert message.ticket.message_count == 1
        else:
            assert event.outcome == "appended", n
            assert message.ticket_id == joined.pk


def visitor_wrote(session: ChatSession, text: str) -> None:
    """A visitor's chat message as the socket writes it: on the log, with its event (not drained)."""
    now = timezone.now()
    message = ChatMessage(session=session, client_id=text, sender=Sender.VISITOR, text=text, created_at=now)
    event = InboundEvent(channel="chat", payload={"text": text, "sent_at": now.isoformat()}, received_at=now)
    assert inbound.visitor_message(message, session.pk, event) is not None


@pytest.mark.postgres("the batch writes its tickets with one UPDATE from arrays on PostgreSQL; SQLite, one by one")
@pytest.mark.parametrize("per_session", [1, 5])
def test_chat_messages_of_many_sessions_in_one_batch_land_in_order_at_a_cost_that_does_not_grow_with_them(
    team: Team, django_assert_max_num_queries: Any, per_session: int
) -> None:
    widget = Widget.objects.create(name="Shop", team=team, allowed_origins=["https://shop.example"])
    sessions = [open_session(widget, new_visitor_token(widget)[1]) for _ in range(8)]
    for n, session in enumerate(sessions[:6]):  # two chats start in the batch, six go on
        visitor_wrote(session, f"Hallo {n}")
    process_batch()
    tickets = {session.pk: Ticket.objects.get(messages__thread_key=str(session.public_id)) for session in sessions[:6]}
    for round_ in range(per_session):
        for n, session in enumerate(sessions):
            visitor_wrote(session, f"Frage {n}.{round_}")

    # The same bound for 8 messages as for 40 (two of them open tickets, which routing reads for):
    # nothing in the batch is looked up per message. One of them asks whether the routing rules
    # changed (hub.routing.cache), once per batch.
    with django_assert_max_num_queries(20):
        assert process_batch().claimed == 8 * per_session

    for n, session in enumerate(sessions):
        texts = [f"Frage {n}.{round_}" for round_ in range(per_session)]
        ticket = Ticket.objects.get(messages__thread_key=str(session.public_id), messages__text=texts[0])
        if session.pk in tickets:
            assert ticket == tickets[session.pk]
            texts.insert(0, f"Hallo {n}")
        assert list(ticket.messages.order_by("created_at", "id").values_list("text", flat=True)) == texts
        assert ticket.message_count == len(texts)
        assert ticket.last_message_preview == texts[-1]
    assert Ticket.objects.count() == 8


# -- the drain: one queued task for many receipts, and none left behind ---------------------


class Queue:
    """Stands in for Celery's queue (the drain is called with what queues it): counts sends."""

    def __init__(self) -> None:
        self.sent = 0

    def __call__(self) -> None:
        self.sent += 1


@pytest.fixture
def flag() -> Iterator[None]:
    assert drain._shared_cache() is not None, "the drain tests need REDIS_URL (the shared cache)"
    caches["default"].delete(drain._flag())
    yield
    caches["default"].delete(drain._flag())


def no_retry(event_id: int, seconds: float) -> None:
    raise AssertionError(f"event {event_id} failed")


@pytest.mark.redis
def test_receipts_while_a_drain_is_pending_queue_no_second_drain(fake_channel: FakeChannel, flag: None) -> None:
    queue = Queue()

    drain.kick(queue, eager=False)
    drain.kick(queue, eager=False)

    assert queue.sent == 1
    arrived("m-1")
    assert drain.drain(queue, no_retry, eager=False) == 1
    drain.kick(queue, eager=False)
    assert queue.sent == 2  # the drain finished: the next receipt queues one again


@pytest.mark.redis
def test_an_event_received_as_the_drain_finishes_is_not_left_behind(
    fake_channel: FakeChannel, flag: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = Queue()
    drain.kick(queue, eager=False)  # the pending drain
    late: list[InboundEvent] = []

    def batch_then_a_receipt(limit: int) -> Any:
        report = process_batch(limit)
        if not late:
            # The drain took what there was; a mail arrives before it clears the flag: its
            # receiver sees a drain pending and queues none.
            event, _ = receive("fake", "late", payload(text="Gerade noch"))
            late.append(event)
        return report

    monkeypatch.setattr(drain, "process_batch", batch_then_a_receipt)
    arrived("m-1")

    # Receipts queue drains as they would with a broker (eager, the drain would run right there).
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        drain.drain(queue, no_retry, eager=False)
    finally:
        app.conf.task_always_eager = eager

    assert queue.sent == 1
    late[0].refresh_from_db()
    assert late[0].state == InboundState.PROCESSED
    assert caches["default"].get(drain._flag()) is None


@pytest.mark.redis
def test_a_drain_that_fails_clears_the_flag_so_the_next_receipt_queues_one(
    fake_channel: FakeChannel, flag: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = Queue()
    drain.kick(queue, eager=False)

    def broken(limit: int) -> Any:
        raise ConnectionError("database gone")

    monkeypatch.setattr(drain, "process_batch", broken)
    with pytest.raises(ConnectionError):
        drain.drain(queue, no_retry, eager=False)

    drain.kick(queue, eager=False)
    assert queue.sent == 2


@pytest.mark.redis
def test_a_drain_out_of_time_hands_the_rest_to_its_successor(
    fake_channel: FakeChannel, flag: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(drain, "BATCH_SIZE", 2)
    monkeypatch.setattr(drain, "DRAIN_SECONDS", 0.0)
    queue = Queue()
    drain.kick(queue, eager=False)
    events = [arrived(f"m-{n}", email=f"k{n}@example.de") for n in range(5)]

    assert drain.drain(queue, no_retry, eager=False) == 2

    assert queue.sent == 2  # the successor, queued while the flag stays set
    drain.kick(queue, eager=False)
    assert queue.sent == 2
    assert InboundEvent.objects.filter(state=InboundState.RECEIVED).count() == 3
    monkeypatch.setattr(drain, "DRAIN_SECONDS", 60.0)
    drain.drain(queue, no_retry, eager=False)  # the successor
    assert {e.state for e in InboundEvent.objects.filter(pk__in=[e.pk for e in events])} == {InboundState.PROCESSED}
