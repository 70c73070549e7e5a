"""A new chat's "Annehmen": the ticket becomes the agent's; of two who accept, the first gets it
(the row is locked) and the other is told who was faster."""

from __future__ import annotations

import pytest
from django.test import Client

from frontend.tests.settings_helpers import agent as make_agent
from frontend.tests.settings_helpers import client_for
from hub.models import Role, Team, Ticket
from hub.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def accept(client: Client, ticket: Ticket) -> tuple[int, dict[str, str]]:
    answer = client.post(f"/agent/t/{ticket.pk}/accept/", HTTP_ACCEPT_LANGUAGE="de")
    return answer.status_code, answer.json() if answer["Content-Type"] == "application/json" else {}


def test_the_first_agent_to_accept_gets_the_chat_and_the_second_is_told_who(team: Team) -> None:
    anna = make_agent(Role.AGENT, teams=[team], user__first_name="Anna", user__last_name="Roth")
    tom = make_agent(Role.AGENT, teams=[team])
    chat = TicketFactory.create(team=team, origin_channel="chat", subject="Lieferzeit?")

    first = accept(client_for(anna), chat)
    second = accept(client_for(tom), chat)
    again = accept(client_for(anna), chat)

    assert first == (200, {"url": f"/agent/t/{chat.pk}/"})
    assert second == (409, {"detail": "Anna Roth hat ihn schon angenommen."})
    assert again[0] == 200  # accepting one's own chat again is no error
    assert Ticket.objects.get(pk=chat.pk).assignee == anna


def test_a_viewer_or_an_agent_outside_the_team_cannot_accept(team: Team, other_team: Team) -> None:
    chat = TicketFactory.create(team=team, origin_channel="chat")
    viewer = make_agent(Role.VIEWER, teams=[team])
    outsider = make_agent(Role.AGENT, teams=[other_team])

    assert accept(client_for(viewer), chat)[0] == 403
    assert accept(client_for(outsider), chat)[0] == 404
    assert Ticket.objects.get(pk=chat.pk).assignee is None
