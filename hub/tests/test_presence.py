"""Agents set their presence in the workspace or over the API; chats follow it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from channels_chat.availability import is_online
from channels_chat.models import Widget
from channels_chat.tests.helpers import new_chat, shop_widget
from hub.actions.presence import do_set_presence
from hub.models import Agent, EventKind, Role, Team, Ticket
from hub.models.teams import Presence
from hub.routing.tasks import set_quiet_agents_away
from hub.tests.factories import AgentFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def widget(team: Team) -> Widget:
    return shop_widget(team)


def test_an_agent_goes_online_in_the_workspace_and_the_chat_widget_shows_itself_available(
    client_for: Any, agent: Agent, widget: Widget
) -> None:
    client = client_for(agent)
    assert client.get("/agent/v/mine/").status_code == 200  # opening the workspace makes nobody available
    agent.refresh_from_db()
    assert agent.presence == Presence.OFFLINE
    assert not is_online(widget)

    answer = client.post("/agent/presence/", {"presence": "online"}, HTTP_HX_REQUEST="true")

    assert answer.status_code == 200
    assert 'value="online" selected' in answer.content.decode()
    assert is_online(widget)
    client.post("/agent/presence/", {"presence": "away"}, HTTP_HX_REQUEST="true")
    assert not is_online(widget)


def test_the_workspace_shows_the_presence_control_in_the_agents_language(client_for: Any, agent: Agent) -> None:
    agent.language = "de"
    agent.save()
    page = client_for(agent).get("/agent/v/mine/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'id="presence"' in page
    assert "Abwesend" in page


def test_an_agent_sets_presence_over_the_api(api_for: Any, agent: Agent) -> None:
    api = api_for(agent)
    assert api.put("/api/v1/presence/", {"presence": "online"}, format="json").json()["presence"] == "online"
    assert api.get("/api/v1/presence/").json()["presence"] == "online"
    assert api.put("/api/v1/presence/", {"presence": "busy"}, format="json").status_code == 400


def test_going_away_hands_live_chats_to_a_colleague_with_room_or_back_to_the_queue(team: Team, widget: Widget) -> None:
    anna = AgentFactory.create(teams=[team], presence=Presence.ONLINE, capacity={"chat": 2})
    ben = AgentFactory.create(teams=[team], presence=Presence.ONLINE, capacity={"chat": 1})
    Agent.objects.filter(pk=ben.pk).update(presence=Presence.OFFLINE)
    chats = [new_chat(widget) for _ in range(2)]
    assert {c.assignee for c in chats} == {anna}
    Agent.objects.filter(pk=ben.pk).update(presence=Presence.ONLINE)

    do_set_presence(anna, Presence.AWAY)

    owners = [Ticket.objects.get(pk=c.pk).assignee for c in chats]
    assert sorted(str(o) for o in owners) == sorted([str(ben), "None"])
    queued = next(c for c, o in zip(chats, owners, strict=True) if o is None)
    last = queued.events.filter(kind=EventKind.ROUTED).order_by("id").last()
    assert last is not None and "is away: " in last.data["rule"]
    assert "at capacity" in last.data["rule"] or "back to the team queue" in last.data["rule"]


def test_an_online_agent_whose_workspace_went_quiet_is_set_away(agent: Agent, client_for: Any) -> None:
    do_set_presence(agent, Presence.ONLINE)
    other = AgentFactory.create(presence=Presence.ONLINE)
    Agent.objects.filter(pk=other.pk).update(last_seen_at=timezone.now())
    Agent.objects.filter(pk=agent.pk).update(last_seen_at=timezone.now() - timedelta(minutes=30))
    assert client_for(other).post("/agent/presence/seen/", {"shown": "online"}).status_code == 204

    assert set_quiet_agents_away() == 1

    agent.refresh_from_db()
    other.refresh_from_db()
    assert (agent.presence, other.presence) == (Presence.AWAY, Presence.ONLINE)


def _signed_in(agent: Agent) -> None:
    agent.user.set_password("richtig-und-lang-genug")
    agent.user.save()
    answer = Client().post("/login/", {"username": agent.user.username, "password": "richtig-und-lang-genug"})
    assert answer.status_code == 302, answer.content.decode()[:300]
    agent.refresh_from_db()


def test_a_new_agent_signing_in_is_online_and_the_chat_widget_shows_itself_available(
    widget: Widget, team: Team
) -> None:
    newcomer = Agent.objects.create(user=UserFactory.create(), role=Role.AGENT)
    newcomer.teams.set([team])
    assert not is_online(widget)

    _signed_in(newcomer)

    assert newcomer.presence == Presence.ONLINE and not newcomer.presence_auto
    assert is_online(widget)


def test_an_agent_the_hub_set_away_is_online_again_at_sign_in(agent: Agent) -> None:
    do_set_presence(agent, Presence.AWAY, auto=True)

    _signed_in(agent)

    assert agent.presence == Presence.ONLINE


@pytest.mark.parametrize("chosen", [Presence.AWAY, Presence.OFFLINE])
def test_a_presence_the_agent_chose_stays_at_sign_in(agent: Agent, chosen: str) -> None:
    do_set_presence(agent, chosen)

    _signed_in(agent)

    assert agent.presence == chosen


def test_a_viewer_signing_in_stays_offline_and_makes_no_widget_available(widget: Widget, team: Team) -> None:
    viewer = Agent.objects.create(user=UserFactory.create(), role=Role.VIEWER)
    viewer.teams.set([team])

    _signed_in(viewer)

    assert viewer.presence == Presence.OFFLINE
    Agent.objects.filter(pk=viewer.pk).update(presence=Presence.ONLINE)  # set by hand over the API
    assert not is_online(widget)
