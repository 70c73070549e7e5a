"""An agent who leaves the desk with the workspace open is set away after the account's idle
minutes, and is online again on their return; an "away" they chose themselves stays."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from hub.actions.presence import do_seen, do_set_presence
from hub.models import Account, Agent, EventKind, Ticket
from hub.models.teams import Presence
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db


def beat(client: Client, idle_seconds: int | str, typed: bool = True) -> Any:
    """The workspace's presence heartbeat, saying how long the tab has seen no input, whether it
    saw any since it loaded (``typed``) and what its control shows: here, the agent's presence
    until this beat."""
    agent = Agent.objects.get(user=client.session["_auth_user_id"])
    body = {"idle": str(idle_seconds), "shown": agent.presence_shown}
    if typed:
        body["input"] = "1"
    return client.post("/agent/presence/seen/", body, HTTP_HX_REQUEST="true")


@pytest.fixture
def online(agent: Agent) -> Agent:
    Agent.objects.filter(pk=agent.pk).update(presence=Presence.ONLINE)
    agent.refresh_from_db()
    return agent


def test_an_agent_idle_for_the_accounts_minutes_is_set_away_and_is_told_so(
    online: Agent, team: Any, client_for
) -> None:
    Account.objects.update_or_create(pk=1, defaults={"idle_away_minutes": 10})
    colleague = AgentFactory.create(teams=[team], presence=Presence.ONLINE)

    still_there = beat(client_for(colleague), 9 * 60)
    gone = beat(client_for(online), 10 * 60)

    online.refresh_from_db()
    colleague.refresh_from_db()
    assert colleague.presence == Presence.ONLINE
    assert still_there.status_code == 204
    assert gone.status_code == 200
    assert 'value="away" selected' in gone.content.decode()
    assert "automatisch auf abwesend gesetzt" in gone.content.decode()
    assert (online.presence, online.presence_auto) == (Presence.AWAY, True)


def test_the_first_input_after_being_set_away_brings_the_agent_back_online(online: Agent, client_for) -> None:
    client = client_for(online)
    beat(client, 20 * 60)

    back = beat(client, 3)

    online.refresh_from_db()
    assert 'value="online" selected' in back.content.decode()
    assert (online.presence, online.presence_auto) == (Presence.ONLINE, False)


def test_a_reloaded_tab_without_input_does_not_bring_the_agent_back(online: Agent, client_for) -> None:
    client = client_for(online)
    beat(client, 20 * 60)

    answer = beat(client, 5, typed=False)  # just loaded: nobody touched it

    online.refresh_from_db()
    assert answer.status_code == 204
    assert (online.presence, online.presence_auto) == (Presence.AWAY, True)


def test_with_one_idle_minute_the_beat_right_after_being_set_away_does_not_bring_the_agent_back(
    online: Agent, client_for
) -> None:
    Account.objects.update_or_create(pk=1, defaults={"idle_away_minutes": 1})
    client = client_for(online)

    beat(client, 70)
    again = beat(client, 71)  # the live feed's presence event makes every tab beat at once

    online.refresh_from_db()
    assert again.status_code == 204
    assert online.presence == Presence.AWAY


def test_an_idle_decision_made_on_an_old_reading_yields_to_the_agents_own_choice(online: Agent) -> None:
    read_before = Agent.objects.get(pk=online.pk)  # the beat's request loaded the agent online …
    do_set_presence(online, Presence.OFFLINE)  # … and the agent chose "offline" meanwhile

    do_seen(read_before, timedelta(hours=1))

    online.refresh_from_db()
    assert (online.presence, online.presence_auto) == (Presence.OFFLINE, False)


def test_an_away_the_agent_chose_is_not_undone_by_typing(online: Agent, client_for) -> None:
    client = client_for(online)
    client.post("/agent/presence/", {"presence": "away"}, HTTP_HX_REQUEST="true")

    answer = beat(client, 0)

    online.refresh_from_db()
    assert answer.status_code == 204
    assert online.presence == Presence.AWAY


def test_an_idle_tab_beside_a_busy_one_sets_nobody_away(online: Agent, client_for) -> None:
    busy, idle = client_for(online), client_for(online)
    beat(busy, 5)

    answer = beat(idle, 60 * 60)

    online.refresh_from_db()
    assert answer.status_code == 204
    assert online.presence == Presence.ONLINE


def test_with_idle_minutes_at_zero_nobody_is_set_away(online: Agent, client_for) -> None:
    Account.objects.update_or_create(pk=1, defaults={"idle_away_minutes": 0})

    beat(client_for(online), 8 * 60 * 60)

    online.refresh_from_db()
    assert online.presence == Presence.ONLINE


def test_an_idle_agent_set_away_keeps_their_mail_tickets(online: Agent, team: Any, client_for) -> None:
    ticket = TicketFactory.create(team=team, assignee=online)

    beat(client_for(online), 2 * 60 * 60)

    online.refresh_from_db()
    assert online.presence == Presence.AWAY
    # Only live conversations go back; a mail ticket stays with its owner.
    assert Ticket.objects.get(pk=ticket.pk).assignee_id == online.pk
    assert not ticket.events.filter(kind=EventKind.ROUTED).exists()


def test_a_tab_whose_control_shows_an_old_presence_is_brought_up_to_date(online: Agent, client_for) -> None:
    client = client_for(online)

    answer = client.post("/agent/presence/seen/", {"idle": "5", "shown": "away"}, HTTP_HX_REQUEST="true")

    assert answer.status_code == 200
    assert 'value="online" selected' in answer.content.decode()


def test_a_heartbeat_without_idle_or_with_nonsense_only_keeps_the_agent_seen(online: Agent, client_for) -> None:
    client = client_for(online)

    answers = [beat(client, idle).status_code for idle in ("", "-5", "10e9", "²", "9" * 5000)]

    online.refresh_from_db()
    assert answers == [204, 204, 204, 204, 204]
    assert online.presence == Presence.ONLINE and online.last_seen_at is not None


def test_the_assignee_picker_says_who_is_away_or_offline(online: Agent, team: Any, client_for) -> None:
    AgentFactory.create(teams=[team], user__first_name="Tom", user__last_name="Berger", presence=Presence.AWAY)
    AgentFactory.create(teams=[team], user__first_name="Uta", user__last_name="Klein", presence=Presence.ONLINE)
    ticket = TicketFactory.create(team=team)

    html = client_for(online).get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()

    assert ">Tom Berger · Abwesend</option>" in html
    assert ">Uta Klein</option>" in html


def test_an_admin_sets_the_idle_minutes_in_the_account_settings_and_the_save_says_what_changed(
    admin_agent: Agent, client_for
) -> None:
    client = client_for(admin_agent)
    form = client.get("/agent/settings/account/").content.decode()

    saved = client.post(
        "/agent/settings/account/",
        {"name": "Muster GmbH", "language": "de", "time_zone": "Europe/Berlin", "idle_away_minutes": "30"},
        follow=True,
    ).content.decode()
    refused = client.post(
        "/agent/settings/account/",
        {"name": "Muster GmbH", "language": "de", "time_zone": "Europe/Berlin", "idle_away_minutes": "-1"},
    ).content.decode()

    assert "Abwesend nach Minuten ohne Eingabe" in form and 'value="15"' in form
    assert "Abwesend nach Minuten ohne Eingabe: 15 → 30" in saved
    assert Account.current().idle_away_minutes == 30
    assert "größer oder gleich 0" in refused
