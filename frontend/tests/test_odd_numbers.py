"""Where the workspace reads an id from what was typed or posted, a digit of another script
("²", which Python's ``isdigit`` takes for a digit and ``int`` refuses) or a number too long for
the database is "no such thing", never a server error."""

from __future__ import annotations

import pytest

from hub.models import Agent, Role
from hub.models.links import TicketLink
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db

ODD = ["²", "١٢", "99999999999999999999"]
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def lead(team) -> Agent:
    return AgentFactory.create(teams=[team], role=Role.ADMIN)


@pytest.mark.parametrize("odd", ODD)
def test_a_search_for_an_odd_number_finds_nothing_or_says_why(lead: Agent, client_for, odd: str) -> None:
    client = client_for(lead)
    for query in (odd, f"customer:{odd}", f"team:{odd}", f"assignee:{odd}", f"org:{odd}"):
        answer = client.get("/agent/search/", {"q": query})
        assert answer.status_code == 200, query
    said = client.get("/agent/search/", {"q": f"customer:{odd}"}).content.decode()
    assert "needs a number" in said or "braucht eine Zahl" in said


@pytest.mark.parametrize("odd", ODD)
def test_list_filters_with_an_odd_number_are_ignored(lead: Agent, client_for, odd: str) -> None:
    TicketFactory.create(team=lead.teams.first(), subject="Rechnung fehlt")
    client = client_for(lead)
    for params in ({"assignee": odd}, {"team": odd}, {"priority": odd}, {"customer": f"#{odd}"}):
        answer = client.get("/agent/v/all/", params)
        assert answer.status_code == 200, params
    # An odd number filters nothing out: the filter is dropped, not applied as "no match".
    assert "Rechnung fehlt" in client.get("/agent/v/all/", {"priority": odd}).content.decode()
    assert client.get(f"/agent/v/s{odd}/").status_code == 404


@pytest.mark.parametrize("odd", ODD)
def test_ticket_controls_refuse_an_odd_ticket_number(lead: Agent, client_for, odd: str) -> None:
    ticket = TicketFactory.create(team=lead.teams.first())
    client = client_for(lead)
    assert client.post(f"/agent/t/{ticket.pk}/update/", {"link": odd}, **HX).status_code == 400
    assert client.get(f"/agent/t/{ticket.pk}/relate/", {"q": odd}, **HX).status_code == 200
    assert client.get(f"/agent/t/{ticket.pk}/forward/panel/", {"message": odd}, **HX).status_code in (200, 404)
    assert not TicketLink.objects.exists()


@pytest.mark.parametrize("odd", ODD)
def test_forms_with_an_odd_id_answer_without_a_server_error(lead: Agent, client_for, odd: str) -> None:
    client = client_for(lead)
    assert client.get("/agent/new/", {"customer": odd}).status_code == 200
    started = client.post("/agent/new/", {"customer": odd, "to": "", "subject": "Hallo", "text": "Hallo", "team": odd})
    assert started.status_code in (200, 400)
    assert client.post("/agent/views/save/", {"name": "X", "base": "all", "team": odd}).status_code == 403
    assert client.get("/agent/settings/audit-log/", {"before": odd}).status_code == 200
    bulk = client.post("/agent/bulk/", {"action": "assign", "assignee": odd, "ids": [odd]}, **HX)
    assert bulk.status_code < 500


@pytest.mark.parametrize("odd", ODD)
def test_the_api_answers_404_for_an_odd_id_in_a_path(agent: Agent, team, api_for, odd: str) -> None:
    ticket = TicketFactory.create(team=team)
    client = api_for(agent)
    assert client.post(f"/api/v1/tickets/{ticket.pk}/macros/{odd}/apply/").status_code == 404
    assert client.post(f"/api/v1/tickets/{odd}/macros/1/apply/").status_code == 404
    assert client.delete(f"/api/v1/customers/{ticket.customer_id}/identities/{odd}/").status_code == 404


@pytest.mark.parametrize("odd", ODD)
def test_an_odd_organization_or_calendar_is_said_to_be_gone(lead: Agent, client_for, odd: str) -> None:
    customer = TicketFactory.create(team=lead.teams.first()).customer
    client = client_for(lead)

    edited = client.post(
        f"/agent/customers/{customer.pk}/edit/",
        {"display_name": "Jana", "organization": odd},
        HTTP_HX_TARGET="customer-edit",
        **HX,
    )
    policy = client.post(
        "/agent/settings/sla-policies/new/",
        {"name": "Standard", "enabled": "on", "calendar": odd, "conditions": "0", "t-resolution-1": "2d", "save": ""},
    )

    assert edited.status_code == 200 and "Diese Organisation gibt es nicht mehr." in edited.content.decode()
    assert policy.status_code == 400 and "Diesen Kalender gibt es nicht mehr" in policy.content.decode()
