"""Outbound delivery: retried for hours with a growing pause while the provider fails, never sent
twice; the timeline hears of the final failure only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hub import adapters
from hub.actions import do_reply
from hub.adapters import DeliveryResult
from hub.delivery import deliver_message, retry_delay
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


def due(message: Message) -> Message:
    """Let the time pass until the message's next attempt is due."""
    Message.objects.filter(pk=message.pk).update(delivery_next_at=timezone.now() - timedelta(seconds=1))
    return message


def test_running_deliver_again_does_not_send_twice(ticket: Ticket, agent: Agent, fake_channel: FakeChannel) -> None:
    message = do_reply(ticket, agent=agent, text="Ist unterwegs.")

    assert deliver.delay(message.pk).get() == "skipped"  # a redelivered task
    assert deliver_message(message.pk).outcome == "skipped"
    assert len(fake_channel.sent) == 1


def test_a_failing_provider_is_retried_with_growing_pauses_and_the_timeline_stays_quiet(
    ticket: Ticket, fake_channel: FakeChannel, settings
) -> None:
    settings.DELIVERY_MAX_ATTEMPTS = 4
    fake_channel.fail_next = 3
    message = queued(ticket)

    waits = [deliver_message(due(message).pk).retry_in for _ in range(3)]
    final = deliver_message(due(message).pk)

    assert final.outcome == "sent"
    # 30 s, 1 min, 2 min, each up to a quarter less: each wait lies in its own band.
    assert waits[0] is not None and 22.5 <= waits[0] <= 30
    assert waits[1] is not None and 45 <= waits[1] <= 60
    assert waits[2] is not None and 90 <= waits[2] <= 120
    message.refresh_from_db()
    assert message.delivery_attempts == 4 and message.delivery_status == DeliveryStatus.SENT
    assert message.delivery_error == ""
    assert not TicketEvent.objects.filter(ticket=ticket, kind=EventKind.DELIVERY_FAILED).exists()


def test_with_the_defaults_a_send_is_retried_for_about_half_a_day_before_it_fails() -> None:
    from django.conf import settings

    pauses = [retry_delay(attempt) for attempt in range(1, settings.DELIVERY_MAX_ATTEMPTS)]

    assert 9 * 3600 <= sum(pauses) <= 14 * 3600  # it gave up after 2 minutes before
    assert max(pauses) <= 3600  # at least hourly
    assert pauses[0] <= 30


def test_a_retry_is_not_sent_before_its_time_by_a_second_task_or_the_sweep(
    ticket: Ticket, fake_channel: FakeChannel
) -> None:
    fake_channel.fail_next = 1
    message = queued(ticket)
    assert deliver_message(message.pk).outcome == "retry"

    assert deliver_message(message.pk).outcome == "skipped"  # a duplicate task, right away
    assert sweep_deliveries() == 0
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.QUEUED and message.delivery_next_at is not None
    assert fake_channel.sent == []

    due(message)
    assert sweep_deliveries() == 1  # the sweep sends it once it is due (a retry hours off has no task)
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT


def test_after_the_last_attempt_the_message_is_failed_with_the_reason_on_the_timeline(
    ticket: Ticket, agent: Agent, fake_channel: FakeChannel, settings
) -> None:
    settings.DELIVERY_MAX_ATTEMPTS = 3
    fake_channel.fail_next = 10

    message = do_reply(ticket, agent=agent, text="Ist unterwegs.")  # the first attempt, at once
    for _ in range(2):
        deliver_message(due(message).pk)

    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert message.delivery_attempts == 3
    assert "provider unreachable" in message.delivery_error
    # One line, at the end: not one per attempt.
    (line,) = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.DELIVERY_FAILED)
    assert line.data["final"] is True
    assert "provider unreachable" in line.data["error"]
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


@pytest.mark.parametrize(
    ("name", "value"),
    [("DELIVERY_RETRY_FIRST_SECONDS", "0"), ("DELIVERY_RETRY_MAX_SECONDS", "an hour"), ("DELIVERY_MAX_ATTEMPTS", "-1")],
)
def test_a_bad_retry_setting_stops_start_up_naming_it(name: str, value: str) -> None:
    from hub.tests.test_settings import error_of, start

    last = error_of(start(**{name: value}))

    assert last.startswith("hub.config.SettingError") and f"{name}={value!r} is invalid" in last
