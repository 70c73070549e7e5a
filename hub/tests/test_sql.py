"""The raw-SQL builders of hub.sql give what the ORM would, in the one statement it cannot write."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from hub import sql
from hub.models import Customer, InboundEvent, InboundState, Message, Ticket, TicketStatus
from hub.tests.factories import CustomerFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.postgres(reason="LATERAL and unnest are PostgreSQL's")


def run(statement: sql.SQL) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return list(cursor.fetchall())


def test_insert_select_writes_the_objects_values_and_model_defaults_with_computed_columns_from_the_source() -> None:
    event = InboundEvent(channel="fake", external_id="ignored", payload={"text": "Hallo"})

    insert, params = sql.insert_select(event, "(SELECT %s AS ref) AS src", {"external_id": ("src.ref", [])})
    run((f"{insert} RETURNING id", [*params, "m-42"]))  # the source comes last

    stored = InboundEvent.objects.get()
    assert (stored.channel, stored.external_id, stored.payload) == ("fake", "m-42", {"text": "Hallo"})
    assert (stored.state, stored.attempts) == (InboundState.RECEIVED, 0)  # the model's defaults


def test_latest_names_the_newest_row_of_a_key_and_keeps_out_what_where_excludes() -> None:
    ticket = TicketFactory.create()
    now = timezone.now()
    MessageFactory.create(ticket=ticket, thread_key="first", created_at=now - timedelta(minutes=2))
    MessageFactory.create(ticket=ticket, thread_key="second", created_at=now - timedelta(minutes=1))
    MessageFactory.create(ticket=ticket, thread_key="", created_at=now)  # newest, but without a key
    MessageFactory.create(thread_key="elsewhere", created_at=now)

    rows = run(
        sql.latest(
            Message,
            ["thread_key"],
            match={"ticket": ticket.pk},
            where=(f"{sql.column(Message, 'thread_key')} <> %s", [""]),
        )
    )

    assert rows == [("second",)]


def test_latest_breaks_ties_in_time_by_the_next_order_column() -> None:
    ticket = TicketFactory.create()
    now = timezone.now()
    older = MessageFactory.create(ticket=ticket, created_at=now)
    newer = MessageFactory.create(ticket=ticket, created_at=now)

    rows = run(sql.latest(Message, ["id"], match={"ticket": ticket.pk}, limit=2))

    assert rows == [(newer.pk,), (older.pk,)]


@postgresql_only
def test_latest_per_key_gives_each_keys_newest_rows_in_one_query_as_the_orm_would_key_by_key() -> None:
    now = timezone.now()
    anna, ben, carla = CustomerFactory.create_batch(3)
    for n in range(4):
        TicketFactory.create(customer=anna, last_activity_at=now - timedelta(hours=n))
    TicketFactory.create(customer=ben, last_activity_at=now, status=TicketStatus.SOLVED)
    TicketFactory.create(customer=ben, last_activity_at=now - timedelta(hours=1))

    statement = sql.latest_per_key(
        Ticket,
        ["customer", "id"],
        keys={"customer": [anna.pk, ben.pk, carla.pk]},
        where=(f"{sql.column(Ticket, 'status')} <> ALL(%s)", [[TicketStatus.SOLVED]]),
        order_by=["-last_activity_at"],
        limit=[2, 5, 1],
    )
    rows = run(statement)

    def expected(customer: Customer, limit: int) -> list[tuple]:
        query = Ticket.objects.filter(customer=customer).exclude(status=TicketStatus.SOLVED)
        return [(customer.pk, pk) for pk in query.order_by("-last_activity_at").values_list("pk", flat=True)[:limit]]

    assert rows == expected(anna, 2) + expected(ben, 5)


@postgresql_only
def test_latest_per_key_matches_keys_of_several_columns_with_one_limit() -> None:
    now = timezone.now()
    first = MessageFactory.create(channel="chat", thread_key="s1", created_at=now - timedelta(minutes=1))
    second = MessageFactory.create(channel="chat", thread_key="s1", created_at=now)
    other = MessageFactory.create(channel="email", thread_key="s1", created_at=now)

    rows = run(
        sql.latest_per_key(
            Message, ["channel", "thread_key", "id"], keys={"channel": ["chat", "email"], "thread_key": ["s1", "s1"]}
        )
    )

    assert rows == [("chat", "s1", second.pk), ("email", "s1", other.pk)]
    assert first.pk not in {row[2] for row in rows}
