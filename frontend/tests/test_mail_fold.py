"""A long mail thread shows its older mails as one line each (who, when, how it begins), so
the newest mails are not buried; a click opens one whole."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hub.models import Agent, DeliveryStatus, Direction, Message, Team, Ticket
from hub.tests.factories import MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def thread(team: Team, agent: Agent, count: int) -> tuple[Ticket, list[Message]]:
    ticket = TicketFactory.create(team=team, assignee=agent, origin_channel="email")
    start = timezone.now() - timedelta(hours=count)
    mails = [
        MessageFactory.create(
            ticket=ticket,
            channel="email",
            sender="max@example.de",
            text=f"Mail Nummer {n}: wo bleibt meine Bestellung?\n\nGrüße, Max",
            created_at=start + timedelta(hours=n),
        )
        for n in range(1, count + 1)
    ]
    return ticket, mails


def folded_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<article id="m-(\d+)" class="item email [a-z]+ is-folded"', html)]


def page(client: Client, ticket: Ticket) -> str:
    return client.get(f"/agent/v/mine/t/{ticket.pk}/").content.decode()


def test_in_a_thread_of_five_mails_the_three_older_are_one_line_and_the_two_newest_whole(
    agent: Agent, team: Team, client_for
) -> None:
    ticket, mails = thread(team, agent, 5)

    html = page(client_for(agent), ticket)

    assert folded_ids(html) == [m.pk for m in mails[:3]]
    older = html[html.index(f'id="m-{mails[0].pk}"') : html.index(f'id="m-{mails[1].pk}"')]
    assert "Mail Nummer 1: wo bleibt meine Bestellung? Grüße, Max" in older
    assert "Ganze Mail anzeigen" in older and "email-text" not in older
    newest = html[html.index(f'id="m-{mails[4].pk}"') :]
    assert 'class="email-text"' in newest and "Mail Nummer 5" in newest


def test_a_short_thread_shows_every_mail_whole(agent: Agent, team: Team, client_for) -> None:
    ticket, _mails = thread(team, agent, 3)

    assert folded_ids(page(client_for(agent), ticket)) == []


def test_opening_a_folded_mail_draws_the_whole_card_in_its_place(agent: Agent, team: Team, client_for) -> None:
    ticket, mails = thread(team, agent, 5)

    card = client_for(agent).get(f"/agent/t/{ticket.pk}/", headers=HX | {"HX-Target": f"m-{mails[0].pk}"})

    html = card.content.decode()
    assert card.status_code == 200
    assert f'<article id="m-{mails[0].pk}" class="item email in"' in html
    assert 'class="email-text"' in html and "is-folded" not in html


def test_a_folded_line_is_escaped_and_a_reply_that_failed_stays_open(agent: Agent, team: Team, client_for) -> None:
    ticket, mails = thread(team, agent, 5)
    Message.objects.filter(pk=mails[0].pk).update(text="<img src=x onerror=alert(1)> Hallo")
    failed = MessageFactory.create(
        ticket=ticket,
        channel="email",
        direction=Direction.OUTBOUND,
        text="Unsere Antwort",
        delivery_status=DeliveryStatus.FAILED,
        created_at=mails[1].created_at + timedelta(minutes=1),
    )

    html = page(client_for(agent), ticket)

    assert "&lt;img src=x onerror=alert(1)&gt; Hallo" in html and "<img src=x" not in html
    assert failed.pk not in folded_ids(html)
    assert folded_ids(html) == [m.pk for m in mails[:3]]


def test_older_pages_come_folded_and_live_additions_come_whole(
    agent: Agent, team: Team, client_for, monkeypatch
) -> None:
    monkeypatch.setattr("frontend.timeline.WINDOW", 3)
    monkeypatch.setattr("frontend.timeline.OLDER_WINDOW", 3)
    ticket, mails = thread(team, agent, 6)
    client = client_for(agent)

    older = client.get(
        f"/agent/t/{ticket.pk}/", {"before": mails[3].pk}, headers=HX | {"HX-Target": "timeline-older"}
    ).content.decode()
    later = MessageFactory.create(ticket=ticket, channel="email", text="Noch eine", created_at=timezone.now())
    live = client.get(
        f"/agent/t/{ticket.pk}/", {"after": mails[5].pk}, headers=HX | {"HX-Target": "timeline"}
    ).content.decode()

    assert folded_ids(older) == [m.pk for m in mails[:3]]
    assert f'id="m-{later.pk}"' in live and folded_ids(live) == []
