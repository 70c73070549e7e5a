"""A customer's history is shown in the viewer's scope: other teams' tickets are counted, never named."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from hub.models import Customer, Role, Team, Ticket, TicketStatus
from hub.tests.factories import AgentFactory, CustomerFactory, TeamFactory, TicketFactory

pytestmark = pytest.mark.django_db

SECRET = "BLUE-ONLY confidential salary list"


def brief(ticket: Ticket) -> dict[str, Any]:
    """A ticket as the pipeline's history summary lists it."""
    return {
        "id": ticket.pk,
        "subject": ticket.subject,
        "status": ticket.status,
        "channel": ticket.origin_channel,
        "last_activity_at": ticket.last_activity_at.isoformat(),
    }


def shared_customer(red: Team, blue: Team) -> tuple[Customer, Ticket, Ticket, Ticket]:
    """One customer who wrote to team red twice and to team blue once; the pipeline stored a
    history on red's latest ticket that names all three (it is written once for every viewer)."""
    customer = CustomerFactory.create(display_name="Erika Muster")
    now = timezone.now()
    blue_ticket = TicketFactory.create(customer=customer, team=blue, subject=SECRET, last_activity_at=now)
    red_old = TicketFactory.create(
        customer=customer, team=red, subject="Rechnung doppelt", status=TicketStatus.SOLVED, last_activity_at=now
    )
    red_ticket = TicketFactory.create(customer=customer, team=red, subject="Lieferung fehlt", last_activity_at=now)
    red_ticket.history = {
        "open_tickets": [brief(blue_ticket)],
        "recent_tickets": [brief(red_old)],
        "last_contact": {"email": now.isoformat()},
        "lifetime_tickets": 3,
        "segment": "",
        "key_account": False,
        "organization": "",
        "language": "de",
    }
    red_ticket.save()
    return customer, red_ticket, red_old, blue_ticket


def test_the_ticket_api_history_names_no_ticket_of_another_team_but_counts_them(api_for, agent, team) -> None:
    blue = TeamFactory.create(name="Blue", slug="blue")
    _customer, red_ticket, red_old, _blue_ticket = shared_customer(team, blue)

    response = api_for(agent).get(f"/api/v1/tickets/{red_ticket.pk}/")

    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    history = response.json()["history"]
    assert history["open_tickets"] == []
    assert [t["id"] for t in history["recent_tickets"]] == [red_old.pk]
    assert history["elsewhere"] == 1


def test_a_lead_sees_the_whole_history(api_for, team) -> None:
    blue = TeamFactory.create(name="Blue", slug="blue")
    _customer, red_ticket, _red_old, _blue_ticket = shared_customer(team, blue)
    lead = AgentFactory.create(role=Role.LEAD)

    history = api_for(lead).get(f"/api/v1/tickets/{red_ticket.pk}/").json()["history"]

    assert [t["subject"] for t in history["open_tickets"]] == [SECRET]
    assert history["elsewhere"] == 0


def test_a_ticket_of_another_team_assigned_to_the_agent_stays_in_their_history(api_for, agent, team) -> None:
    blue = TeamFactory.create(name="Blue", slug="blue")
    _customer, red_ticket, _red_old, blue_ticket = shared_customer(team, blue)
    blue_ticket.assignee = agent
    blue_ticket.save()

    history = api_for(agent).get(f"/api/v1/tickets/{red_ticket.pk}/").json()["history"]

    assert [t["id"] for t in history["open_tickets"]] == [blue_ticket.pk]
    assert history["elsewhere"] == 0


def test_tickets_without_a_team_count_as_elsewhere(api_for, agent, team) -> None:
    blue = TeamFactory.create(name="Blue", slug="blue")
    customer, red_ticket, _red_old, _blue_ticket = shared_customer(team, blue)
    TicketFactory.create(customer=customer, team=None, subject="Ohne Team")

    history = api_for(agent).get(f"/api/v1/tickets/{red_ticket.pk}/").json()["history"]

    assert history["elsewhere"] == 2


def test_an_agent_assigned_a_ticket_without_being_on_any_team_sees_no_other_teams_history(api_for, team) -> None:
    loner = AgentFactory.create(role=Role.AGENT)
    blue = TeamFactory.create(name="Blue", slug="blue")
    _customer, red_ticket, _red_old, _blue_ticket = shared_customer(team, blue)
    red_ticket.assignee = loner
    red_ticket.save()

    response = api_for(loner).get(f"/api/v1/tickets/{red_ticket.pk}/")

    assert SECRET not in response.content.decode() and "Rechnung doppelt" not in response.content.decode()
    assert response.json()["history"]["elsewhere"] == 2


def test_the_customer_panel_names_no_ticket_of_another_team_but_counts_them(agent, team, client_for) -> None:
    blue = TeamFactory.create(name="Blue", slug="blue")
    _customer, red_ticket, _red_old, _blue_ticket = shared_customer(team, blue)
    client = client_for(agent)

    page = client.get(f"/agent/t/{red_ticket.pk}/", follow=True).content.decode()
    region = client.get(
        f"/agent/t/{red_ticket.pk}/", follow=True, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer"
    ).content.decode()

    for html in (page, region):
        assert 'id="customer"' in html
        assert SECRET not in html
        assert "Rechnung doppelt" in html
        assert "1 weiteres Ticket in anderen Teams" in html
