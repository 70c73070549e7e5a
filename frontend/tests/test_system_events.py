"""System events (routing, assignments, status changes) are thin grey lines the agent can hide
(UX.md section 3): the switch above the timeline, remembered for the agent alone."""

from __future__ import annotations

import pytest

from hub import events
from hub.models import Agent, Team
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


def test_hiding_system_events_is_remembered_for_the_agent_and_drawn_into_the_timeline(
    agent: Agent, team: Team, client_for
) -> None:
    colleague = AgentFactory.create(teams=[team])
    ticket = TicketFactory.create(team=team, assignee=agent)
    MessageFactory.create(ticket=ticket, text="Wo bleibt meine Bestellung?")
    events.status_changed(ticket=ticket, actor=colleague, status="pending", previous="open")
    client = client_for(agent)
    url = f"/agent/v/mine/t/{ticket.pk}/"

    shown = client.get(url).content.decode()
    answer = client.post("/agent/preferences/system-events/", {"on": "0"})
    hidden = client.get(url).content.decode()
    theirs = client_for(colleague).get(url).content.decode()

    assert '<section id="timeline" class="timeline" ' in shown
    assert 'aria-pressed="true">Systemereignisse zeigen</button>' in shown
    assert answer.status_code == 204
    assert '<section id="timeline" class="timeline hide-system" ' in hidden
    assert 'aria-pressed="false">Systemereignisse zeigen</button>' in hidden
    # Hidden, not gone: the line is still in the page for the switch to show again.
    assert hidden.count('class="item system"') == shown.count('class="item system"') == 1
    assert '<section id="timeline" class="timeline" ' in theirs

    client.post("/agent/preferences/system-events/", {"on": "1"})
    assert '<section id="timeline" class="timeline" ' in client.get(url).content.decode()


def test_the_switch_takes_only_one_or_zero_from_a_signed_in_agent(agent: Agent, client, client_for) -> None:
    assert client_for(agent).post("/agent/preferences/system-events/", {"on": "nein"}).status_code == 400
    assert client.post("/agent/preferences/system-events/", {"on": "0"}).status_code in (302, 403)
    agent.refresh_from_db()
    assert agent.show_system_events
