"""Outbound delivery: retried with backoff while the provider fails, never sent twice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hub import adapters
from hub.actions import do_reply
from hub.adapters import DeliveryResult
from hub.delivery import deliver_message
from hub.models import Agent, DeliveryStatus, Direction, EventKind, Message, Team, Ticket, TicketEvent
from hub.tasks import deliver, sweep_deliveries
from hub.tests.factories import MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ticket(fake_channel: FakeChannel, team: Team) -> Ticket:
    ticket = TicketFactory.create(origin_channel="fake", team=team)
    MessageFactory.create(ticket=ticket, text="Wo bleibt meine Bestellung?")
    return ticket


def queued(ticket: Ticket, text: str = "Ist unterwegs.") -> Message:
    """An agent's reply as do_reply leaves it, without running the delivery task."""
    return MessageFactory.create(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        author_customer=None,
        text=text,
        delivery_status=DeliveryStatus.QUEUED,
    )


def test_a_reply_goes_out_through_the_channel_once(ticket: Ticket, agent: Agent, fake_channel: FakeChannel) -> None:
    message = do_reply(ticket, agent=agent, text="Ist unterwegs.")

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert message.external_id == f"fake-out-{message.pk}"
    assert [s["text"] for s in fake_channel.sent] == ["Ist unterwegs."]


def test_running_deliver_again_does_not_send_twice(ticket: Ticket, agent: Agent, fake_channel: FakeChannel) -> None:
    message = do_reply(ticket, agent=agent, text="Ist unterwegs.")

    assert deliver.delay(message.pk).get() == "skipped"  # a redelivered task
    assert deliver_message(message.pk).outcome == "skipped"
    assert len(fake_channel.sent) == 1


def test_a_failing_provider_is_retried_with_growing_backoff(
    ticket: Ticket, fake_channel: FakeChannel, settings
) -> None:
    settings.DELIVERY_MAX_ATTEMPTS = 4
    fake_channel.fail_next = 3
    message = queued(ticket)

    waits = [deliver_message(message.pk).retry_in for _ in range(3)]
    final = deliver_message(message.pk)

    assert final.outcome == "sent"
    # Full jitter over 10 s, 20 s, 40 s: each wait lies in its own band.
    assert waits[0] is not None and 5 <= waits[0] <= 10
    assert waits[1] is not None and 10 <= waits[1] <= 20
    assert waits[2] is not None and 20 <= waits[2] <= 40
    message.refresh_from_db()
    assert message.delivery_attempts == 4 and message.delivery_status == DeliveryStatus.SENT
    assert message.delivery_error == ""
    events = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.DELIVERY_FAILED)
    assert [e.data["final"] for e in events] == [False, False, False]


def test_after_the_last_attempt_the_message_is_failed_with_the_reason_on_the_timeline(
    ticket: Ticket, agent: Agent, fake_channel: FakeChannel, settings
) -> None:
    settings.DELIVERY_MAX_ATTEMPTS = 3
    fake_channel.fail_next = 10

    message = do_reply(ticket, agent=agent, text="Ist unterwegs.")  # eager: the retries run at once

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_attempts == 3
    assert "provider unreachable" in message.delivery_error
    last = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.DELIVERY_FAILED).last()
    assert last is not None and last.data["final"] is True
    assert "provider unreachable" in last.data["error"]
    assert fake_channel.sent == []
    assert deliver_message(message.pk).outcome == "skipped"  # a failed message stays failed


class RefusingChannel(FakeChannel):
    def send(self, message: Message) -> DeliveryResult:
        self.sent.append({"message_id": message.pk})
        return DeliveryResult(ok=False, error="550 mailbox does not exist", retryable=False)


@pytest.fixture
def refusing(db: None) -> Any:
    adapter = RefusingChannel(key="refusing")
    adapters.register(adapter)
    yield adapter
    adapters.unregister(adapter.key)


def test_an_error_no_retry_can_fix_fails_at_once(refusing: RefusingChannel) -> None:
    ticket = TicketFactory.create(origin_channel="refusing")
    message = MessageFactory.create(
        ticket=ticket,
        channel="refusing",
        direction=Direction.OUTBOUND,
        author_customer=None,
        delivery_status=DeliveryStatus.QUEUED,
    )

    assert deliver_message(message.pk).outcome == "failed"

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_error == "550 mailbox does not exist"
    assert len(refusing.sent) == 1


def test_a_message_on_a_channel_without_an_adapter_fails_with_the_reason(ticket: Ticket) -> None:
    message = MessageFactory.create(
        ticket=ticket,
        channel="pigeon",
        direction=Direction.OUTBOUND,
        author_customer=None,
        delivery_status=DeliveryStatus.QUEUED,
    )

    assert deliver_message(message.pk).outcome == "failed"

    message.refresh_from_db()
    assert "pigeon" in message.delivery_error
    assert TicketEvent.objects.get(ticket=ticket, kind=EventKind.DELIVERY_FAILED).data["final"] is True


def test_a_send_whose_worker_died_midway_is_queued_again_by_the_sweep(
    ticket: Ticket, fake_channel: FakeChannel
) -> None:
    message = queued(ticket)
    Message.objects.filter(pk=message.pk).update(
        delivery_status=DeliveryStatus.SENDING,
        delivery_attempts=1,
        delivery_claimed_at=timezone.now() - timedelta(hours=1),
    )

    assert sweep_deliveries() == 1

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT
    assert [s["message_id"] for s in fake_channel.sent] == [message.pk]


def test_the_sweep_leaves_a_send_in_progress_and_a_retry_not_yet_due_alone(
    ticket: Ticket, fake_channel: FakeChannel
) -> None:
    now = timezone.now()
    in_progress, later = queued(ticket, "läuft"), queued(ticket, "später")
    Message.objects.filter(pk=in_progress.pk).update(delivery_status=DeliveryStatus.SENDING, delivery_claimed_at=now)
    Message.objects.filter(pk=later.pk).update(delivery_next_at=now + timedelta(seconds=30))

    assert sweep_deliveries() == 0
    assert fake_channel.sent == []
