"""Unread rows (UX.md 2): bold with a bar while the customer wrote last and this agent has not
looked since; each agent's own, cleared by opening the ticket, back with the customer's next
message, and gone once someone answered."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from frontend.tests.settings_helpers import agent as make_agent
from frontend.tests.settings_helpers import client_for
from hub.actions.messages import do_add_note, do_reply
from hub.actions.seen import do_forget_old_looks
from hub.models import Direction, MessageKind, Role, Team, Ticket, TicketSeen
from hub.pipeline import receive
from hub.tests.factories import MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel, payload

pytestmark = pytest.mark.django_db(transaction=True)


def unread(client: Client) -> set[int]:
    page = client.get("/agent/v/teams/").content.decode()
    return {int(pk) for pk in re.findall(r'<li class="row[^"]*\bis-unread\b[^"]*" data-ticket-id="(\d+)"', page)}


def writes(n: int, team: Team, **extra: Any) -> Ticket:
    event, _ = receive("fake", f"u-{n}", payload(email=f"kunde{n % 10}@example.de", team=team.slug, **extra))
    event.refresh_from_db()
    assert event.ticket_id is not None, event.error
    return Ticket.objects.get(pk=event.ticket_id)


def test_each_agent_reads_for_themselves_and_the_customers_next_message_is_news_again(
    fake_channel: FakeChannel, team: Team
) -> None:
    anna, tom = (client_for(make_agent(Role.AGENT, teams=[team], user__username=name)) for name in ("anna", "tom"))
    ticket, other = writes(1, team), writes(2, team)
    assert unread(anna) == unread(tom) == {ticket.pk, other.pk}

    opened = anna.get(f"/agent/v/teams/t/{ticket.pk}/")
    assert opened.status_code == 200

    assert unread(anna) == {other.pk} and unread(tom) == {ticket.pk, other.pk}
    writes(11, team, ticket_id=ticket.pk, text="Noch etwas")  # the same customer (kunde1@)
    assert unread(anna) == {ticket.pk, other.pk}
    page = anna.get("/agent/v/teams/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<span class="sr-only row-unread">Ungelesen, </span>' in page


def test_a_live_refresh_of_the_open_timeline_reads_it_and_an_answer_reads_it_for_all(
    fake_channel: FakeChannel, team: Team
) -> None:
    agent = make_agent(Role.AGENT, teams=[team], user__username="anna")
    anna, tom = client_for(agent), client_for(make_agent(Role.AGENT, teams=[team], user__username="tom"))
    ticket = writes(4, team)

    anna.get(f"/agent/t/{ticket.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="timeline")
    assert ticket.pk not in unread(anna) and ticket.pk in unread(tom)

    do_add_note(Ticket.objects.get(pk=ticket.pk), agent=agent, text="Lager fragen")
    assert ticket.pk in unread(tom)  # a note is no answer
    do_reply(Ticket.objects.get(pk=ticket.pk), agent=agent, text="Ist unterwegs.", channel="fake")
    assert ticket.pk not in unread(tom)  # answered: the customer's message is not news
    do_add_note(Ticket.objects.get(pk=ticket.pk), agent=agent, text="Sendungsnummer nachgetragen")
    assert ticket.pk not in unread(tom)  # a note after the answer makes nothing unread again


def test_the_list_reads_whether_rows_are_unread_in_its_one_row_query(fake_channel: FakeChannel, team: Team) -> None:
    anna = client_for(make_agent(Role.AGENT, teams=[team], user__username="anna"))
    for n in range(3):
        writes(30 + n, team)
    unread(anna)  # sessions and caches warm

    with CaptureQueriesContext(connection) as few:
        unread(anna)
    for n in range(6):
        writes(40 + n, team)
    with CaptureQueriesContext(connection) as many:
        assert len(unread(anna)) == 9

    assert len(many.captured_queries) == len(few.captured_queries)


def test_news_older_than_three_months_is_not_unread_and_old_looks_are_forgotten_without_changing_a_row(
    team: Team,
) -> None:
    agent = make_agent(Role.AGENT, teams=[team], user__username="anna")
    anna, now = client_for(agent), timezone.now()

    def ticket_written(days_ago: float) -> Ticket:
        ticket = TicketFactory.create(team=team, status="open")
        message = MessageFactory.create(ticket=ticket, created_at=now - timedelta(days=days_ago))
        Ticket.objects.filter(pk=ticket.pk).update(
            last_customer_message_at=message.created_at,
            last_message_direction=Direction.INBOUND,
            last_message_kind=MessageKind.MESSAGE,
        )
        return ticket

    ancient, read_long_ago, read_then_written, read_lately = (ticket_written(d) for d in (100, 95, 1, 2))
    TicketSeen.objects.create(agent=agent, ticket=read_long_ago, seen_at=now - timedelta(days=95))
    TicketSeen.objects.create(agent=agent, ticket=read_then_written, seen_at=now - timedelta(days=120))
    TicketSeen.objects.create(agent=agent, ticket=read_lately, seen_at=now - timedelta(days=2))
    before = unread(anna)

    assert before == {read_then_written.pk}  # news a hundred days old is no news

    assert do_forget_old_looks(now, chunk=1) == 2
    assert set(TicketSeen.objects.values_list("ticket_id", flat=True)) == {read_lately.pk}
    assert unread(anna) == before
    assert ancient.pk not in unread(anna)
