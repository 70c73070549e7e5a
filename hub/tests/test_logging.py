"""The log tells what happened to each inbound event, by id, from the door to the ticket."""

from __future__ import annotations

import logging

import pytest

from hub.actions import do_retry_inbound
from hub.models import InboundEvent, Message
from hub.pipeline import receive
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hub_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="hub")
    return caplog


def lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if r.name.startswith("hub")]


def test_a_processed_event_logs_its_receipt_and_its_outcome_with_ticket_and_message(
    fake_channel: FakeChannel, hub_logs: pytest.LogCaptureFixture
) -> None:
    event, _ = receive("fake", "m-1", payload())
    message = Message.objects.get()

    assert lines(hub_logs) == [
        ("INFO", f"inbound fake:m-1 received as event {event.pk}"),
        ("INFO", f"inbound event {event.pk} processed: created, ticket #{message.ticket_id}, message {message.pk}"),
    ]


def test_a_redelivery_and_a_duplicate_say_so(fake_channel: FakeChannel, hub_logs: pytest.LogCaptureFixture) -> None:
    first, _ = receive("fake", "m-1", payload(message_id="<x@y>"))
    receive("fake", "m-1", payload(message_id="<x@y>"))
    other, _ = receive("fake", "m-2", payload(message_id="<x@y>"))

    text = [m for _, m in lines(hub_logs)]
    assert f"inbound fake:m-1 is a redelivery of event {first.pk}" in text
    assert any(m.startswith(f"inbound event {other.pk} processed: duplicate, ticket #") for m in text)


def test_a_failing_event_logs_each_failure_then_its_quarantine_and_the_retry(
    fake_channel: FakeChannel, hub_logs: pytest.LogCaptureFixture, settings, admin_agent
) -> None:
    settings.INBOUND_MAX_ATTEMPTS = 2
    fake_channel.raise_on_normalize = True

    event, _ = receive("fake", "bad-1", payload())
    fake_channel.raise_on_normalize = False
    do_retry_inbound(InboundEvent.objects.get(pk=event.pk), actor=admin_agent.user)

    records = lines(hub_logs)
    levels = [level for level, _ in records]
    assert levels == ["INFO", "WARNING", "ERROR", "INFO", "INFO"]
    assert records[1][1].startswith(f"inbound event {event.pk} failed (attempt 1), retry in ")
    assert "cannot read" in records[1][1]
    assert records[2][1].startswith(f"inbound event {event.pk} quarantined after 2 attempts: ValueError")
    assert records[3][1] == (
        f"inbound event {event.pk} retried by {admin_agent.user.username} via admin (was quarantined after 2 attempts)"
    )
    assert records[4][1].startswith(f"inbound event {event.pk} processed: created")
