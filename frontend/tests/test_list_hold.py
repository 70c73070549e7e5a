"""The list holds still while the agent works in it: rows keep their places, new ones wait
behind a bar, and a row that left the view stays greyed until the agent asks for the new list."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from hub.models import Agent, Team, Ticket, TicketStatus
from hub.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true", "HX-Target": "list"}


def refresh(client: Client, shown: list[Ticket], **extra: str) -> str:
    """The list's own live refresh, as the list island sends it (frontend/ts/listhold.ts)."""
    params = {"shown": ",".join(str(t.pk) for t in shown)} | extra
    return client.get("/agent/v/teams/", params, headers=HX).content.decode()


def row_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="row[^"]*" data-ticket-id="(\d+)"', html)]


def gone_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<li class="row[^"]* is-gone[^"]*" data-ticket-id="(\d+)"', html)]


@pytest.fixture
def three(team: Team) -> list[Ticket]:
    now = timezone.now()
    return [
        TicketFactory.create(team=team, subject=f"Fall {n}", last_activity_at=now - timedelta(minutes=10 * n))
        for n in (1, 2, 3)
    ]


def test_while_the_agent_works_further_down_new_tickets_wait_behind_a_bar_and_rows_keep_their_places(
    agent: Agent, team: Team, three: list[Ticket], client_for
) -> None:
    client = client_for(agent)
    # The bottom row gets a new message: by activity it would jump to the top.
    Ticket.objects.filter(pk=three[2].pk).update(last_activity_at=timezone.now(), subject="Fall 3, neu beantwortet")
    fresh = [TicketFactory.create(team=team, subject=f"Neu {n}") for n in (1, 2)]

    held = refresh(client, three, hold="1")
    free = refresh(client, three)

    assert row_ids(held) == [t.pk for t in three]
    assert "Fall 3, neu beantwortet" in held and "Neu 1" not in held
    assert "2 neue – anzeigen" in held and 'class="list-news"' in held
    assert row_ids(free)[:3] == [fresh[1].pk, fresh[0].pk, three[2].pk]
    assert "neue – anzeigen" not in free


def test_a_ticket_that_leaves_the_view_stays_greyed_while_held_and_goes_with_the_new_list(
    agent: Agent, three: list[Ticket], client_for
) -> None:
    client = client_for(agent)
    Ticket.objects.filter(pk=three[1].pk).update(status=TicketStatus.SOLVED)

    held = refresh(client, three, hold="1")
    fresh = client.get("/agent/v/teams/", headers=HX).content.decode()

    assert row_ids(held) == [t.pk for t in three]
    assert gone_ids(held) == [three[1].pk]
    assert "Nicht mehr in dieser Ansicht" in held
    assert "neue – anzeigen" not in held
    assert row_ids(fresh) == [three[0].pk, three[2].pk]


def test_the_open_ticket_stays_in_its_place_greyed_when_a_change_takes_it_out_of_the_view(
    agent: Agent, team: Team, three: list[Ticket], client_for
) -> None:
    client = client_for(agent)
    Ticket.objects.filter(pk__in=[three[1].pk, three[2].pk]).update(status=TicketStatus.SOLVED)
    newest = TicketFactory.create(team=team, subject="Gerade eben")

    html = refresh(client, three, keep=str(three[1].pk))

    # Not held: the new ticket comes in; the other solved one goes, the open one stays.
    assert row_ids(html) == [newest.pk, three[0].pk, three[1].pk]
    assert gone_ids(html) == [three[1].pk]


def test_a_ticket_moved_out_of_the_agents_scope_is_not_drawn_even_while_held(
    agent: Agent, other_team: Team, three: list[Ticket], client_for
) -> None:
    client = client_for(agent)
    Ticket.objects.filter(pk=three[0].pk).update(team=other_team, subject="Jetzt bei Billing")

    held = refresh(client, three, hold="1", keep=str(three[0].pk))
    kept = refresh(client, three, keep=str(three[0].pk))

    assert row_ids(held) == [three[1].pk, three[2].pk]
    assert row_ids(kept) == [three[1].pk, three[2].pk]
    assert "Jetzt bei Billing" not in held + kept


def test_a_list_refresh_with_nonsense_in_shown_is_an_ordinary_list(
    agent: Agent, three: list[Ticket], client_for
) -> None:
    html = client_for(agent).get("/agent/v/teams/", {"shown": "x,-1,,1e3,²," + "9" * 5000, "hold": "1"}, headers=HX)

    assert html.status_code == 200
    assert row_ids(html.content.decode()) == [t.pk for t in three]


def test_the_open_ticket_pushed_onto_a_later_page_stays_in_place_and_is_not_greyed(
    agent: Agent, team: Team, three: list[Ticket], client_for, monkeypatch
) -> None:
    monkeypatch.setattr("frontend.inbox.PAGE_SIZE", 3)
    newer = [TicketFactory.create(team=team, subject=f"Neuer {n}") for n in (1, 2)]

    html = refresh(client_for(agent), three, keep=str(three[2].pk))

    # Two new tickets push the open one (the oldest) off the first page of three.
    assert row_ids(html) == [newer[1].pk, newer[0].pk, three[0].pk, three[2].pk]
    assert gone_ids(html) == []


def test_a_ticket_sliding_up_into_the_page_as_a_shown_one_leaves_is_not_counted_as_new(
    agent: Agent, team: Team, three: list[Ticket], client_for, monkeypatch
) -> None:
    monkeypatch.setattr("frontend.inbox.PAGE_SIZE", 3)
    fourth = TicketFactory.create(team=team, subject="Vierter", last_activity_at=timezone.now() - timedelta(hours=5))
    Ticket.objects.filter(pk=three[0].pk).update(status=TicketStatus.SOLVED)

    held = refresh(client_for(agent), three, hold="1")

    assert row_ids(held) == [t.pk for t in three] and fourth.pk not in row_ids(held)
    assert "neue – anzeigen" not in held
