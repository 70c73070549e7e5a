"""The send menu's "Then open the next ticket": the agent's own choice, remembered."""

from __future__ import annotations

import pytest

from hub.models import Agent, Team
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_the_choice_is_saved_for_the_agent_and_drawn_into_the_send_menu(agent: Agent, team: Team, client_for) -> None:
    colleague = AgentFactory.create(teams=[team])
    ticket = TicketFactory.create(team=team, assignee=agent)
    client = client_for(agent)

    answer = client.post("/agent/preferences/open-next/", {"on": "1"})
    page = client.get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()

    agent.refresh_from_db()
    colleague.refresh_from_db()
    assert answer.status_code == 204
    assert agent.open_next_after_send and not colleague.open_next_after_send
    assert 'id="send-next"' in page and 'aria-checked="true"' in page
    assert "Danach nächstes Ticket öffnen" in page


def test_anything_but_one_or_zero_is_refused_and_changes_nothing(agent: Agent, client_for) -> None:
    answer = client_for(agent).post("/agent/preferences/open-next/", {"on": "yes"})

    agent.refresh_from_db()
    assert answer.status_code == 400
    assert not agent.open_next_after_send


def test_the_choice_needs_a_signed_in_agent_and_a_post(agent: Agent, client, client_for) -> None:
    assert client.post("/agent/preferences/open-next/", {"on": "1"}).status_code in (302, 403)
    assert client_for(agent).get("/agent/preferences/open-next/").status_code == 405
