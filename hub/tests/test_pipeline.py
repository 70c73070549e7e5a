from __future__ import annotations

import pytest
from django.test import override_settings

from hub.models import EventKind, InboundEvent, InboundState, Message, Ticket, TicketEvent
from hub.pipeline import process, receive
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_new_interaction_becomes_a_ticket_with_its_message(fake_channel: FakeChannel, team) -> None:
    event, created = receive(
        "fake", "m-1", payload(subject="Lieferung fehlt", text="Wo ist mein Paket?", team="support")
    )

    assert created
    event.refresh_from_db()
    assert event.state == InboundState.PROCESSED
    assert event.outcome == "created"
    assert event.ticket_id is not None
    ticket = Ticket.objects.get(pk=event.ticket_id)
    assert ticket.subject == "Lieferung fehlt"
    assert ticket.team == team
    assert ticket.messages.get().text == "Wo ist mein Paket?"
    assert list(ticket.events.values_list("kind", flat=True)) == ["created", "threaded", "routed"]


def test_the_same_external_id_twice_gives_one_message(fake_channel: FakeChannel) -> None:
    receive("fake", "m-1", payload())
    _, created = receive("fake", "m-1", payload())

    assert not created
    assert Message.objects.count() == 1
    assert InboundEvent.objects.count() == 1


def test_running_the_task_twice_gives_one_message(fake_channel: FakeChannel) -> None:
    event, _ = receive("fake", "m-1", payload())

    assert process(event.pk).outcome == "skipped"
    InboundEvent.objects.filter(pk=event.pk).update(state=InboundState.RECEIVED)
    assert process(event.pk).outcome == "duplicate"
    assert Message.objects.count() == 1


@override_settings(INBOUND_MAX_ATTEMPTS=3)
def test_an_adapter_that_raises_leaves_the_event_quarantined_with_its_payload(fake_channel: FakeChannel) -> None:
    fake_channel.raise_on_normalize = True

    event, _ = receive("fake", "m-1", payload(text="kaputt"))

    event.refresh_from_db()
    assert event.state == InboundState.QUARANTINED
    assert event.attempts == 3
    assert "cannot read" in event.error
    assert event.payload["text"] == "kaputt"
    assert not Ticket.objects.exists()


def test_a_known_identity_joins_the_same_customer_on_another_channel(fake_channel: FakeChannel) -> None:
    receive("fake", "m-1", payload(email="Max@Example.DE"))
    receive(
        "fake",
        "m-2",
        {
            "identities": [{"kind": "email", "value": "max@example.de"}, {"kind": "phone", "value": "030 1234567"}],
            "text": "Anruf",
        },
    )
    receive("fake", "m-3", {"identities": [{"kind": "phone", "value": "+49 30 1234567"}], "text": "SMS"})

    customers = {t.customer_id for t in Ticket.objects.all()}
    assert len(customers) == 1
    assert Ticket.objects.count() == 3


def test_a_reply_hint_threads_into_the_earlier_ticket(fake_channel: FakeChannel) -> None:
    first, _ = receive("fake", "m-1", payload(message_id="<a@x>"))
    second, _ = receive("fake", "m-2", payload(message_id="<b@x>", in_reply_to=["<a@x>"]))

    first.refresh_from_db()
    second.refresh_from_db()
    assert second.outcome == "appended"
    assert second.ticket_id == first.ticket_id is not None
    reason = TicketEvent.objects.filter(ticket_id=first.ticket_id, kind=EventKind.THREADED).last()
    assert reason is not None and "<a@x>" in reason.data["reason"]


def test_a_stranger_replying_to_a_thread_gets_a_new_linked_ticket(fake_channel: FakeChannel) -> None:
    first, _ = receive("fake", "m-1", payload(email="max@example.de", message_id="<a@x>"))
    other, _ = receive("fake", "m-2", payload(email="eve@example.org", message_id="<b@x>", in_reply_to=["<a@x>"]))

    first.refresh_from_db()
    other.refresh_from_db()
    assert other.outcome == "created"
    assert other.ticket_id != first.ticket_id
    assert other.ticket_id is not None
    link = TicketEvent.objects.get(ticket_id=other.ticket_id, kind=EventKind.LINKED)
    assert link.data["linked_ticket_id"] == first.ticket_id
