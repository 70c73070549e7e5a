"""A ticket opens at the first item the agent has not seen (UX.md 3): a "New" line stands above
the customer's first message since the agent last looked (or since the last answer, for an agent
who never looked), and the mails from there on are drawn whole, not folded."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from frontend.timeline import UNREAD_WINDOW, WINDOW
from hub.actions.seen import do_forget_old_looks
from hub.models import Agent, Direction, Message, MessageKind, Team, Ticket
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

LINE = '<div id="first-unread" class="unread-divider"'


def writes(ticket: Ticket, text: str, hours_ago: float, **extra: object) -> Message:
    extra.setdefault("channel", "email")
    message = MessageFactory.create(
        ticket=ticket,
        sender="max@example.de",
        text=text,
        created_at=timezone.now() - timedelta(hours=hours_ago),
        **extra,
    )
    if message.direction == Direction.INBOUND and message.kind != MessageKind.NOTE:
        Ticket.objects.filter(pk=ticket.pk).update(last_customer_message_at=message.created_at)
    return message


def opened(client: Client, ticket: Ticket, language: str = "en") -> str:
    return client.get(f"/agent/v/teams/t/{ticket.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()


def line_before(html: str) -> int | None:
    """The message the "New" line stands above, or None without a line."""
    if LINE not in html:
        return None
    assert html.count(LINE) == 1
    after = html[html.index(LINE) :]
    found = re.search(r'<article id="m-(\d+)"', after)
    assert found is not None
    return int(found.group(1))


def test_the_ticket_opens_at_the_first_message_since_the_agent_last_looked(
    agent: Agent, team: Team, client_for
) -> None:
    ticket = TicketFactory.create(team=team, origin_channel="email")
    writes(ticket, "Wo bleibt meine Bestellung?", hours_ago=10)
    anna = client_for(agent)
    opened(anna, ticket)  # she reads it

    first = writes(ticket, "Hallo? Noch eine Frage.", hours_ago=2)
    writes(ticket, "Und die Rechnung fehlt auch.", hours_ago=1)
    html = opened(anna, ticket, "de")

    assert line_before(html) == first.pk
    assert 'aria-label="Ab hier ungelesen"' in html and ">Neu</span>" in html
    assert line_before(opened(anna, ticket)) is None  # read now: the next look opens at the end


def test_for_an_agent_who_never_looked_what_is_unread_begins_after_the_last_answer(team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, origin_channel="email")
    writes(ticket, "Erste Frage", hours_ago=30)
    writes(ticket, "Ist erledigt.", hours_ago=20, direction=Direction.OUTBOUND)
    again = writes(ticket, "Doch nicht erledigt", hours_ago=3)
    writes(ticket, "Intern: Lager fragen", hours_ago=2, kind=MessageKind.NOTE, direction=Direction.OUTBOUND)
    tom = client_for(AgentFactory.create(teams=[team]))

    assert line_before(opened(tom, ticket)) == again.pk  # a note is no answer: still unread from there


def test_a_ticket_answered_last_opens_without_a_line(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, origin_channel="email")
    writes(ticket, "Frage", hours_ago=5)
    writes(ticket, "Antwort", hours_ago=1, direction=Direction.OUTBOUND)

    assert line_before(opened(client_for(agent), ticket)) is None


def test_unread_mails_of_a_long_thread_are_drawn_whole_not_folded(agent: Agent, team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team, origin_channel="email")
    anna = client_for(agent)
    mails = [writes(ticket, f"Mail Nummer {n}", hours_ago=20 - n) for n in range(3)]
    opened(anna, ticket)
    mails += [writes(ticket, f"Mail Nummer {n}", hours_ago=20 - n) for n in range(3, 7)]

    html = opened(anna, ticket)

    assert line_before(html) == mails[3].pk
    folded = {int(pk) for pk in re.findall(r'<article id="m-(\d+)" class="item email [a-z]+ is-folded"', html)}
    assert folded == {m.pk for m in mails[:3]}  # the read ones fold, every unread one is whole


def test_a_customer_message_behind_a_page_of_notes_is_drawn_with_the_line_above_it(
    agent: Agent, team: Team, client_for
) -> None:
    ticket = TicketFactory.create(team=team, origin_channel="email")
    asked = writes(ticket, "Wo ist mein Paket?", hours_ago=30)
    for n in range(WINDOW + 5):  # colleagues talk it over: more notes than a page holds
        writes(ticket, f"Notiz {n}", hours_ago=29 - n, kind=MessageKind.NOTE, direction=Direction.OUTBOUND)

    html = opened(client_for(agent), ticket)

    assert line_before(html) == asked.pk


def test_an_unread_stretch_longer_than_a_page_opens_at_its_top_with_older_ones_to_load(
    agent: Agent, team: Team, client_for
) -> None:
    ticket = TicketFactory.create(team=team, origin_channel="chat")
    lines = [
        writes(ticket, f"Zeile {n}", hours_ago=(UNREAD_WINDOW + 10 - n) / 60, channel="chat")
        for n in range(UNREAD_WINDOW + 10)
    ]

    html = opened(client_for(agent), ticket)

    assert line_before(html) == lines[10].pk  # the first drawn: the ten before wait behind "Older"
    assert 'id="timeline-older"' in html


def test_a_look_at_a_long_quiet_ticket_still_counts_once_old_looks_are_forgotten(
    agent: Agent, team: Team, client_for
) -> None:
    ticket = TicketFactory.create(team=team, origin_channel="email")
    writes(ticket, "Alte Frage", hours_ago=24 * 100)
    anna = client_for(agent)
    opened(anna, ticket)  # her look: at a message a hundred days old, so it is forgotten
    do_forget_old_looks(timezone.now())

    again = writes(ticket, "Neue Frage", hours_ago=1)

    assert line_before(opened(anna, ticket)) == again.pk  # not above the hundred-day-old one
