"""The read-only viewer role: sees the tickets and customers of their teams, changes nothing,
in the workspace and through the API."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from hub.models import Agent, Draft, Message, Role, Team, Ticket, TicketStatus
from hub.tests.factories import AgentFactory, CustomerFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(team: Team) -> Agent:
    return AgentFactory.create(teams=[team], role=Role.VIEWER)


@pytest.fixture
def ticket(team: Team, fake_channel) -> Ticket:
    ticket = TicketFactory.create(team=team, origin_channel="fake", subject="Lieferung", status=TicketStatus.OPEN)
    MessageFactory.create(ticket=ticket, channel="fake", text="Wo ist mein Paket?")
    return ticket


def test_a_viewer_reads_a_ticket_of_their_team_without_any_control_to_change_it(client_for, viewer, ticket) -> None:
    html = client_for(viewer).get(f"/agent/v/teams/t/{ticket.pk}/").content.decode()

    assert "Wo ist mein Paket?" in html
    assert 'id="composer-form"' not in html
    # Only their own preferences (presence, language) remain to be set.
    assert f"/agent/t/{ticket.pk}/" + "send/" not in html and f"/agent/t/{ticket.pk}/update/" not in html
    # The ticket's own controls (the list's filter bar above it changes nothing).
    header = html[html.index('id="ticket-header"') :]
    assert 'name="status"' not in header and 'name="assignee"' not in header
    assert "viewer" in html.lower() or "Betrachter" in html


def test_a_viewer_sees_nothing_of_other_teams(client_for, viewer, other_team) -> None:
    elsewhere = TicketFactory.create(team=other_team)

    assert client_for(viewer).get(f"/agent/t/{elsewhere.pk}/").status_code == 404


def test_every_workspace_post_of_a_viewer_is_refused_and_changes_nothing(client_for, viewer, ticket) -> None:
    client: Client = client_for(viewer)
    before = Message.objects.count()

    responses = [
        client.post(f"/agent/t/{ticket.pk}/send/", {"text": "Hallo", "mode": "reply", "client_id": "abcdefgh1234"}),
        client.post(f"/agent/t/{ticket.pk}/send/", {"text": "Notiz", "mode": "note", "client_id": "abcdefgh5678"}),
        client.post(f"/agent/t/{ticket.pk}/draft/", {"text": "Entwurf", "mode": "reply"}),
        client.post(f"/agent/t/{ticket.pk}/update/", {"status": "solved"}),
        client.post(f"/agent/t/{ticket.pk}/update/", {"assignee": str(viewer.pk)}),
        client.post(f"/agent/t/{ticket.pk}/update/", {"priority": "4"}),
    ]

    assert [r.status_code for r in responses] == [403] * 6
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.assignee_id is None and ticket.priority != 4
    assert Message.objects.count() == before and not Draft.objects.exists()


def test_every_api_write_of_a_viewer_is_refused_while_reading_works(api_for, viewer, ticket) -> None:
    api = api_for(viewer)
    customer = CustomerFactory.create()

    reads = [api.get(f"/api/v1/tickets/{ticket.pk}/"), api.get("/api/v1/tickets/"), api.get("/api/v1/customers/")]
    writes = [
        api.post(f"/api/v1/tickets/{ticket.pk}/reply/", {"text": "Hallo"}, format="json"),
        api.post(f"/api/v1/tickets/{ticket.pk}/notes/", {"text": "Notiz"}, format="json"),
        api.post(f"/api/v1/tickets/{ticket.pk}/assign/", {"assignee": viewer.pk}, format="json"),
        api.post(f"/api/v1/tickets/{ticket.pk}/status/", {"status": "solved"}, format="json"),
        api.post(f"/api/v1/tickets/{ticket.pk}/tags/", {"tags": ["x"]}, format="json"),
        api.patch(f"/api/v1/customers/{customer.pk}/", {"display_name": "X"}, format="json"),
        api.post("/api/v1/merges/", {"source": customer.pk, "target": ticket.customer_id}, format="json"),
    ]

    assert [r.status_code for r in reads] == [200, 200, 200]
    assert [r.status_code for r in writes] == [403] * len(writes)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.assignee_id is None


def test_viewers_and_deactivated_agents_are_never_offered_as_assignees(client_for, agent, viewer, ticket) -> None:
    gone = AgentFactory.create(teams=[ticket.team], role=Role.AGENT)
    gone.user.is_active = False
    gone.user.save()

    html = client_for(agent).get(f"/agent/v/teams/t/{ticket.pk}/").content.decode()
    # The assignee picker alone: other pickers (priority) have small numbers as values too.
    picker = re.search(r'<select[^>]* name="assignee".*?</select>', html[html.index('id="ticket-header"') :], re.S)
    assert picker is not None
    offered = set(re.findall(r'<option value="(\d+)"', picker.group(0)))

    assert str(agent.pk) in offered
    assert str(viewer.pk) not in offered and str(gone.pk) not in offered
    assert client_for(agent).post(f"/agent/t/{ticket.pk}/update/", {"assignee": str(viewer.pk)}).status_code == 400
