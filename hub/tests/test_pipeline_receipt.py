"""The one-statement receipt: a channel writes the inbound event inside its own statement, the
pipeline owns the SQL, and the event is processed as one from ``receive`` would be."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from hub.models import InboundEvent, InboundState, Message
from hub.pipeline.receive import process_after_commit, receipt_sql, store_receipt
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)

postgresql_only = pytest.mark.postgres(reason="a data-modifying CTE")


def write_in_one_statement(event: InboundEvent, ref: str) -> list[int]:
    """A channel's statement: its own row (here a literal) and the receipt, external id from it."""
    insert, params = receipt_sql(event, "src", {"external_id": ("src.ref", [])})
    with connection.cursor() as cursor:
        statement = f"WITH src AS (SELECT %s::text AS ref), e AS ({insert}) SELECT id FROM e"  # noqa: S608
        cursor.execute(statement, [ref, *params])
        return [row[0] for row in cursor.fetchall()]


@postgresql_only
def test_a_receipt_written_in_a_channels_own_statement_is_processed_after_commit(fake_channel: FakeChannel) -> None:
    event = InboundEvent(channel="fake", payload=payload(text="Hallo aus dem Widget"))

    with transaction.atomic():
        written = write_in_one_statement(event, "w1:s1:c1")
        process_after_commit()

    stored = InboundEvent.objects.get(pk=written[0])
    assert (stored.external_id, stored.state) == ("w1:s1:c1", InboundState.PROCESSED)
    assert Message.objects.get(inbound_event=stored).text == "Hallo aus dem Widget"


@postgresql_only
def test_a_redelivered_receipt_in_one_statement_writes_nothing(fake_channel: FakeChannel) -> None:
    first = write_in_one_statement(InboundEvent(channel="fake", payload=payload(text="eins")), "w1:s1:c1")
    again = write_in_one_statement(InboundEvent(channel="fake", payload=payload(text="eins")), "w1:s1:c1")

    assert len(first) == 1 and again == []
    assert InboundEvent.objects.count() == 1


def test_the_orm_receipt_ignores_a_redelivery_and_is_processed_after_commit(fake_channel: FakeChannel) -> None:
    with transaction.atomic():
        store_receipt(InboundEvent(channel="fake", external_id="m-1", payload=payload(text="Erste")))
        store_receipt(InboundEvent(channel="fake", external_id="m-1", payload=payload(text="Zweite")))
        process_after_commit()
        assert InboundEvent.objects.get().state == InboundState.RECEIVED  # not before the commit

    event = InboundEvent.objects.get()
    assert event.state == InboundState.PROCESSED
    assert Message.objects.get().text == "Erste"


def test_a_rolled_back_receipt_is_neither_kept_nor_processed(fake_channel: FakeChannel) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        store_receipt(InboundEvent(channel="fake", external_id="m-1", payload=payload(text="Weg")))
        process_after_commit()
        raise RuntimeError("the channel's own write failed")

    assert not InboundEvent.objects.exists()
    assert not Message.objects.exists()
