"""``?q=`` on the ticket and customer lists of the API: the search syntax of the workspace."""

from __future__ import annotations

import pytest

from hub.models import MessageKind, Role, TicketStatus
from hub.search import tickets as search_module
from hub.tests.factories import AgentFactory, CustomerFactory, IdentityFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets/"
CUSTOMERS = "/api/v1/customers/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def walk(client, url: str, params: dict[str, object]) -> list[int]:
    response = client.get(url, params)
    found = ids(response)
    while response.json()["next"]:
        response = client.get(response.json()["next"])
        found += ids(response)
    return found


@pytest.fixture
def lead(db: None) -> object:
    return AgentFactory.create(role=Role.LEAD)


class TestTickets:
    def test_q_finds_by_subject_message_and_note_newest_first(self, api_for, lead):
        by_subject = TicketFactory.create(subject="Heizung defekt")
        by_note = TicketFactory.create(subject="Frage")
        MessageFactory.create(ticket=by_note, kind=MessageKind.NOTE, text="Heizung prüfen lassen")
        TicketFactory.create(subject="Fenster klemmt")

        assert ids(api_for(lead).get(TICKETS, {"q": "heizung"})) == [by_note.pk, by_subject.pk]

    def test_q_takes_phrases_exclusions_or_and_inline_filters(self, api_for, lead):
        solved = TicketFactory.create(subject="Paket nicht angekommen", status=TicketStatus.SOLVED)
        open_ = TicketFactory.create(subject="Paket angekommen, nicht vollständig", origin_channel="chat")
        client = api_for(lead)

        assert ids(client.get(TICKETS, {"q": '"nicht angekommen"'})) == [solved.pk]
        assert ids(client.get(TICKETS, {"q": "paket -vollständig"})) == [solved.pk]
        assert ids(client.get(TICKETS, {"q": "paket status:solved"})) == [solved.pk]
        assert ids(client.get(TICKETS, {"q": "paket channel:chat"})) == [open_.pk]
        assert ids(client.get(TICKETS, {"q": "vollständig OR angekommen"})) == [open_.pk, solved.pk]
        # OR joins words only: a filter beside it still applies.
        assert ids(client.get(TICKETS, {"q": "vollständig OR status:solved"})) == []

    def test_q_combines_with_the_other_parameters(self, api_for, lead):
        open_ = TicketFactory.create(subject="Paket", status=TicketStatus.OPEN)
        TicketFactory.create(subject="Paket", status=TicketStatus.SOLVED)

        assert ids(api_for(lead).get(TICKETS, {"q": "paket", "status": "open"})) == [open_.pk]

    def test_q_finds_nothing_of_another_team(self, api_for, agent, team, other_team):
        ours = TicketFactory.create(subject="Vertrag", team=team)
        theirs = TicketFactory.create(subject="Vertrag", team=other_team)
        MessageFactory.create(ticket=theirs, text="Geheimsache")
        client = api_for(agent)

        assert ids(client.get(TICKETS, {"q": "vertrag"})) == [ours.pk]
        assert ids(client.get(TICKETS, {"q": "geheimsache"})) == []
        assert ids(client.get(TICKETS, {"q": f"#{theirs.pk}"})) == []

    @pytest.mark.parametrize("candidates", [5000, 1])
    def test_paging_through_results_gives_each_once_on_either_plan(self, api_for, lead, monkeypatch, candidates):
        monkeypatch.setattr(search_module, "CANDIDATES", candidates)
        matching = [TicketFactory.create(subject=f"Bestellung {n} Fahrrad") for n in range(7)]
        TicketFactory.create(subject="Bestellung Roller")

        found = walk(api_for(lead), TICKETS, {"q": "fahrrad", "page_size": 3})

        assert found == [t.pk for t in sorted(matching, key=lambda t: (t.last_activity_at, t.pk), reverse=True)]

    def test_a_value_that_names_nothing_is_refused_naming_it(self, api_for, lead):
        response = api_for(lead).get(TICKETS, {"q": "rechnung team:gibtsnicht"})

        assert response.status_code == 400
        assert "gibtsnicht" in response.json()["q"][0]

    def test_assignee_me_is_the_caller(self, api_for, lead):
        mine = TicketFactory.create(subject="Drucker", assignee=lead)
        TicketFactory.create(subject="Drucker")

        assert ids(api_for(lead).get(TICKETS, {"q": "drucker assignee:me"})) == [mine.pk]

    def test_a_blank_q_lists_everything(self, api_for, lead):
        tickets = TicketFactory.create_batch(2)

        assert set(ids(api_for(lead).get(TICKETS, {"q": "  "}))) == {t.pk for t in tickets}


class TestCustomers:
    def test_plain_words_search_as_before(self, api_for, lead):
        anna = CustomerFactory.create(display_name="Anna Schröder")
        IdentityFactory.create(customer=anna, kind="phone", value="+49301234567")
        CustomerFactory.create(display_name="Anna Weber")

        assert ids(api_for(lead).get(CUSTOMERS, {"q": "Anna Schröder"})) == [anna.pk]
        assert ids(api_for(lead).get(CUSTOMERS, {"q": "030 1234567"})) == [anna.pk]

    def test_exclusions_phrases_and_or(self, api_for, lead):
        schroeder = CustomerFactory.create(display_name="Anna Schröder")
        weber = CustomerFactory.create(display_name="Anna Weber")
        berg = CustomerFactory.create(display_name="Bernd Berg")
        client = api_for(lead)

        assert ids(client.get(CUSTOMERS, {"q": "anna -weber"})) == [schroeder.pk]
        assert ids(client.get(CUSTOMERS, {"q": '"anna weber"'})) == [weber.pk]
        assert ids(client.get(CUSTOMERS, {"q": "weber OR berg"})) == [berg.pk, weber.pk]

    def test_org_filters_customers(self, api_for, lead):
        from hub.tests.factories import OrganizationFactory

        org = OrganizationFactory.create(name="Bäckerei Sonne")
        member = CustomerFactory.create(display_name="Anna", organization=org)
        CustomerFactory.create(display_name="Anna")

        assert ids(api_for(lead).get(CUSTOMERS, {"q": "anna org:sonne"})) == [member.pk]

    def test_ticket_filters_are_refused_naming_them(self, api_for, lead):
        response = api_for(lead).get(CUSTOMERS, {"q": "anna status:open tag:vip"})

        assert response.status_code == 400
        assert "status:" in response.json()["q"][0] and "tag:" in response.json()["q"][0]
