"""``/api/v1/macros/``: agents list and apply the macros they may use; admins and leads keep
the shared ones, every agent their own; applying answers with the draft the composer shows."""

from __future__ import annotations

import pytest

from hub.models import Agent, CannedReply, CannedScope, Draft, Macro, Priority, Role, Team, Ticket, TicketStatus
from hub.tests.factories import AgentFactory, CustomerFactory, TicketFactory

pytestmark = pytest.mark.django_db


def _macro(**values: object) -> Macro:
    values.setdefault("scope", CannedScope.GLOBAL)
    values.setdefault("set_priority", Priority.HIGH)
    return Macro.objects.create(**values)


@pytest.fixture
def ticket(team: Team) -> Ticket:
    customer = CustomerFactory.create(display_name="Jana Schmidt", language="de")
    return TicketFactory.create(customer=customer, team=team, status=TicketStatus.OPEN)


def test_an_agent_lists_their_own_their_teams_and_everyones_macros_and_no_others(
    api_for, agent: Agent, team: Team, other_team: Team
) -> None:
    someone = AgentFactory.create(role=Role.AGENT)
    _macro(title="Global")
    _macro(title="Team", scope=CannedScope.TEAM, team=team)
    _macro(title="Mine", scope=CannedScope.PERSONAL, owner=agent)
    _macro(title="Billing", scope=CannedScope.TEAM, team=other_team)
    _macro(title="Someone's", scope=CannedScope.PERSONAL, owner=someone)

    response = api_for(agent).get("/api/v1/macros/")

    assert response.status_code == 200
    assert sorted(m["title"] for m in response.json()) == ["Global", "Mine", "Team"]
    assert {m["title"]: m["may_manage"] for m in response.json()} == {"Global": False, "Mine": True, "Team": False}
    assert api_for(agent).get("/api/v1/macros/", {"q": "glob"}).json()[0]["summary"] == ["Priorität: Hoch"]


def test_an_admin_creates_a_global_macro_and_an_agent_may_not(api_for, agent: Agent, admin_agent: Agent) -> None:
    reply = CannedReply.objects.create(title="Danke", scope=CannedScope.GLOBAL, texts={"de": "Danke!"})
    body = {
        "title": "Danke und lösen",
        "scope": "global",
        "set_status": "solved",
        "add_tags": ["danke"],
        "reply": reply.pk,
        "send_reply": True,
    }

    refused = api_for(agent).post("/api/v1/macros/", body, format="json")
    created = api_for(admin_agent).post("/api/v1/macros/", body, format="json")

    assert refused.status_code == 400 and "scope" in refused.json()
    assert created.status_code == 201, created.json()
    macro = Macro.objects.get()
    assert (macro.set_status, macro.add_tags, macro.reply, macro.send_reply) == ("solved", ["danke"], reply, True)


def test_an_agent_may_not_change_or_delete_a_shared_macro_but_may_their_own(api_for, agent: Agent) -> None:
    shared = _macro(title="Global")
    mine = _macro(title="Mine", scope=CannedScope.PERSONAL, owner=agent)
    client = api_for(agent)

    assert client.patch(f"/api/v1/macros/{shared.pk}/", {"title": "X"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/macros/{shared.pk}/").status_code == 403
    changed = client.patch(f"/api/v1/macros/{mine.pk}/", {"set_priority": Priority.URGENT}, format="json")
    assert changed.status_code == 200, changed.json()
    mine.refresh_from_db()
    assert (mine.title, mine.set_priority) == ("Mine", Priority.URGENT)
    assert client.delete(f"/api/v1/macros/{mine.pk}/").status_code == 204


def test_applying_a_macro_to_a_ticket_changes_it_and_answers_with_the_rendered_draft(
    api_for, agent: Agent, ticket: Ticket
) -> None:
    reply = CannedReply.objects.create(
        title="Versand", scope=CannedScope.GLOBAL, texts={"de": "Hallo {{customer.first_name}}"}
    )
    macro = _macro(set_status=TicketStatus.PENDING, add_tags=["versand"], reply=reply)

    response = api_for(agent).post(f"/api/v1/tickets/{ticket.pk}/macros/{macro.pk}/apply/")

    assert response.status_code == 200, response.json()
    assert response.json() | {"ticket_id": 0} == {
        "ticket_id": 0,
        "draft": "Hallo Jana",
        "unknown": [],
        "empty": [],
        "sent_message_id": None,
        "not_sent": "",
        "left_out": [],
    }
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority) == (TicketStatus.PENDING, Priority.HIGH)
    assert list(ticket.tags.values_list("name", flat=True)) == ["versand"]
    assert Draft.objects.get(ticket=ticket, agent=agent).text == "Hallo Jana"


def test_a_ticket_or_macro_outside_the_agents_scope_answers_404(
    api_for, agent: Agent, ticket: Ticket, other_team: Team
) -> None:
    foreign_ticket = TicketFactory.create(team=other_team)
    foreign_macro = _macro(scope=CannedScope.TEAM, team=other_team)
    macro = _macro()
    client = api_for(agent)

    assert client.post(f"/api/v1/tickets/{foreign_ticket.pk}/macros/{macro.pk}/apply/").status_code == 404
    assert client.post(f"/api/v1/tickets/{ticket.pk}/macros/{foreign_macro.pk}/apply/").status_code == 404
    assert client.post(f"/api/v1/tickets/x/macros/{macro.pk}/apply/").status_code == 404
    assert Ticket.objects.filter(priority=Priority.HIGH).count() == 0


def test_a_viewer_may_not_apply_a_macro(api_for, team: Team, ticket: Ticket) -> None:
    viewer = AgentFactory.create(role=Role.VIEWER, teams=[team])
    macro = _macro()
    assert api_for(viewer).post(f"/api/v1/tickets/{ticket.pk}/macros/{macro.pk}/apply/").status_code == 403


def test_the_bulk_apply_changes_the_tickets_in_scope_and_names_them(
    api_for, agent: Agent, ticket: Ticket, team: Team, other_team: Team
) -> None:
    second = TicketFactory.create(team=team)
    foreign = TicketFactory.create(team=other_team)
    macro = _macro()

    response = api_for(agent).post(
        f"/api/v1/macros/{macro.pk}/apply/", {"ticket_ids": [ticket.pk, second.pk, foreign.pk]}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert sorted(a["ticket_id"] for a in response.json()) == sorted([ticket.pk, second.pk])
    foreign.refresh_from_db()
    assert foreign.priority == Priority.NORMAL
