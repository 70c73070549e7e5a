"""The inbox rows say who else is on a ticket: an eye while a colleague has it open, a pen while
they write, named for screen readers; the agent's own presence is not shown to them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub import collision
from hub.models import Agent, Team
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_tickets() -> Iterator[list[tuple[int, str]]]:
    """Presence entries a test makes, removed afterwards: they live outside the database."""
    made: list[tuple[int, str]] = []
    yield made
    for ticket_id, connection_name in made:
        collision.leave(ticket_id, connection_name)


def row(html: str, ticket_id: int) -> str:
    start = html.index(f'data-ticket-id="{ticket_id}"')
    return html[start : html.index("</li>", start)]


def test_a_row_shows_an_eye_for_a_colleague_viewing_and_a_pen_for_one_writing_but_not_myself(
    agent: Agent, team: Team, client_for, on_tickets: list[tuple[int, str]]
) -> None:
    jana = AgentFactory.create(teams=[team], user__first_name="Jana", user__last_name="Roth")
    tom = AgentFactory.create(teams=[team], user__first_name="Tom", user__last_name="Berger")
    viewed, written, mine, quiet = TicketFactory.create_batch(4, team=team)
    collision.view(viewed.pk, "jana-1", agent_id=jana.pk, name=jana.name)
    collision.view(written.pk, "tom-1", agent_id=tom.pk, name=tom.name)
    collision.typing(written.pk, "jana-2", agent_id=jana.pk, name=jana.name, mode="reply")
    collision.view(mine.pk, "me-1", agent_id=agent.pk, name=agent.name)
    on_tickets += [(viewed.pk, "jana-1"), (written.pk, "tom-1"), (written.pk, "jana-2"), (mine.pk, "me-1")]

    html = client_for(agent).get("/agent/v/teams/").content.decode()

    assert (
        '<span class="row-presence is-viewing" title="Jana Roth sieht sich das Ticket an">'
        '<svg class="icon" aria-hidden="true"><use href="#i-eye"/></svg>'
        '<span class="sr-only">Jana Roth sieht sich das Ticket an</span></span>'
    ) in row(html, viewed.pk)
    said = "Jana Roth schreibt eine Antwort, Tom Berger sieht sich das Ticket an"
    assert f'<span class="row-presence is-typing" title="{said}">' in row(html, written.pk)
    assert '<use href="#i-typing"/>' in row(html, written.pk)
    assert '<span class="row-presence" hidden></span>' in row(html, mine.pk)
    assert '<span class="row-presence" hidden></span>' in row(html, quiet.pk)
    assert 'data-presence-viewing="{name} sieht sich das Ticket an"' in html  # for live changes
    assert '<symbol id="i-eye"' in html and '<symbol id="i-typing"' in html


def test_the_markers_speak_the_agents_language(team: Team, client_for, on_tickets: list[tuple[int, str]]) -> None:
    english = AgentFactory.create(teams=[team], language="en")
    jana = AgentFactory.create(teams=[team], user__first_name="Jana", user__last_name="Roth")
    ticket = TicketFactory.create(team=team)
    collision.typing(ticket.pk, "jana-1", agent_id=jana.pk, name=jana.name, mode="note")
    on_tickets.append((ticket.pk, "jana-1"))

    html = client_for(english).get("/agent/v/teams/").content.decode()

    assert '<span class="sr-only">Jana Roth is writing a note</span>' in row(html, ticket.pk)
    assert 'data-presence-reply="{name} is typing a reply"' in html


def test_the_markers_cost_no_query_per_row(agent: Agent, team: Team, client_for, on_tickets) -> None:
    jana = AgentFactory.create(teams=[team])
    client = client_for(agent)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/agent/v/teams/").status_code == 200
        return len(ctx)

    TicketFactory.create_batch(2, team=team)
    few = queries()
    for ticket in TicketFactory.create_batch(20, team=team):
        collision.view(ticket.pk, f"jana-{ticket.pk}", agent_id=jana.pk, name=jana.name)
        on_tickets.append((ticket.pk, f"jana-{ticket.pk}"))

    assert queries() == few
