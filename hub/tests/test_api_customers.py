from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hub.models import Customer, CustomerMerge, IdentityKind, MessageKind, Role, Ticket
from hub.tests.factories import AgentFactory, CustomerFactory, IdentityFactory, MessageFactory, TicketFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def lead(db) -> object:
    return AgentFactory.create(role=Role.LEAD)


class TestSearch:
    def test_by_part_of_the_name(self, api_for, lead):
        anna = CustomerFactory.create(display_name="Anna Schröder")
        CustomerFactory.create(display_name="Bernd Weber")

        assert ids(api_for(lead).get(URL, {"q": "schrö"})) == [anna.pk]

    def test_by_email_identity_in_any_case(self, api_for, lead):
        anna = CustomerFactory.create(display_name="Anna")
        IdentityFactory.create(customer=anna, value="anna@beispiel.de")
        CustomerFactory.create(display_name="Bernd")

        assert ids(api_for(lead).get(URL, {"q": "Anna@Beispiel.DE"})) == [anna.pk]

    def test_by_phone_number_typed_the_local_way(self, api_for, lead):
        caller = CustomerFactory.create(display_name="Anrufer")
        IdentityFactory.create(customer=caller, kind=IdentityKind.PHONE, value="+49301234567")

        assert ids(api_for(lead).get(URL, {"q": "030 1234567"})) == [caller.pk]

    def test_a_customer_with_several_matching_identities_is_listed_once(self, api_for, lead):
        anna = CustomerFactory.create(display_name="Anna")
        IdentityFactory.create(customer=anna, value="anna@beispiel.de")
        IdentityFactory.create(customer=anna, value="anna.s@beispiel.de")

        assert ids(api_for(lead).get(URL, {"q": "beispiel"})) == [anna.pk]

    def test_a_whole_email_address_finds_its_owner_and_not_addresses_that_contain_it(self, api_for, lead):
        anna = CustomerFactory.create(display_name="Anna")
        IdentityFactory.create(customer=anna, value="anna@beispiel.de")
        joanna = CustomerFactory.create(display_name="Joanna")
        IdentityFactory.create(customer=joanna, value="joanna@beispiel.de")
        client = api_for(lead)

        assert ids(client.get(URL, {"q": " Anna@Beispiel.de "})) == [anna.pk]
        # Part of an address is a part: both.
        assert ids(client.get(URL, {"q": "anna@beispiel"})) == [joanna.pk, anna.pk]

    def test_an_address_nobody_has_is_looked_for_as_part_of_names_and_identities(self, api_for, lead):
        named = CustomerFactory.create(display_name="info@firma.de (Einkauf)")

        assert ids(api_for(lead).get(URL, {"q": "info@firma.de"})) == [named.pk]

    def test_a_common_term_finds_the_same_customers_newest_first_page_by_page(self, api_for, lead, monkeypatch):
        by_name = [CustomerFactory.create(display_name=f"Jana Müller {n}") for n in range(3)]
        by_mail = []
        for n in range(3):
            customer = CustomerFactory.create(display_name=f"Kundin {n}")
            IdentityFactory.create(customer=customer, value=f"jana.mueller{n}@example.de")
            IdentityFactory.create(customer=customer, kind=IdentityKind.PHONE, value=f"+4930123456{n}")
            by_mail.append(customer)
        merged = CustomerFactory.create(display_name="Jana Müller alt", merged_into=by_name[0])
        CustomerFactory.create(display_name="Bernd Weber")
        client = api_for(lead)

        def walk(term: str) -> list[int]:
            response = client.get(URL, {"q": term, "page_size": 2})
            found = ids(response)
            while response.json()["next"]:
                response = client.get(response.json()["next"])
                found += ids(response)
            return found

        rare = walk("jana")
        # Past SEARCH_CANDIDATES matches the search takes its other road; the answer is the same.
        monkeypatch.setattr("hub.search.customers.SEARCH_CANDIDATES", 2)
        common = walk("jana")

        expected = sorted((c.pk for c in by_name + by_mail), reverse=True)
        assert rare == common == expected
        assert merged.pk not in rare

    def test_the_search_stays_within_the_agents_customers(self, api_for, agent, team, other_team, monkeypatch):
        ours = TicketFactory.create(team=team, customer=CustomerFactory.create(display_name="Jana Sommer")).customer
        TicketFactory.create(team=other_team, customer=CustomerFactory.create(display_name="Jana Winter"))
        client = api_for(agent)

        assert ids(client.get(URL, {"q": "jana"})) == [ours.pk]
        monkeypatch.setattr("hub.search.customers.SEARCH_CANDIDATES", 0)
        assert ids(client.get(URL, {"q": "jana"})) == [ours.pk]


def test_an_agent_lists_only_customers_of_tickets_they_may_see(api_for, agent, team, other_team):
    ours = TicketFactory.create(team=team).customer
    TicketFactory.create(team=other_team)

    assert ids(api_for(agent).get(URL)) == [ours.pk]


def test_the_detail_shows_identities_and_a_timeline_across_channels(api_for, agent, team):
    customer = CustomerFactory.create(display_name="Anna")
    IdentityFactory.create(customer=customer, value="anna@beispiel.de")
    IdentityFactory.create(customer=customer, kind=IdentityKind.PHONE, value="+49301234567")
    now = timezone.now()
    three_days_ago = now - timedelta(days=3)
    mail = TicketFactory.create(customer=customer, team=team, origin_channel="email", last_activity_at=three_days_ago)
    chat = TicketFactory.create(customer=customer, team=team, origin_channel="chat", last_activity_at=now)
    MessageFactory.create(ticket=mail, text="Rechnung doppelt", created_at=now - timedelta(days=3))
    MessageFactory.create(ticket=chat, text="Hallo, kurze Frage", created_at=now)
    MessageFactory.create(ticket=chat, kind=MessageKind.SYSTEM, text="Chat beendet", created_at=now)

    body = api_for(agent).get(f"{URL}{customer.pk}/").json()

    assert {(i["kind"], i["value"]) for i in body["identities"]} == {
        ("email", "anna@beispiel.de"),
        ("phone", "+49301234567"),
    }
    timeline = body["timeline"]
    assert timeline["ticket_count"] == 2
    assert [(t["id"], t["origin_channel"]) for t in timeline["tickets"]] == [(chat.pk, "chat"), (mail.pk, "email")]
    assert [m["preview"] for m in timeline["recent_messages"]] == ["Hallo, kurze Frage", "Rechnung doppelt"]
    assert [c["channel"] for c in timeline["channels"]] == ["chat", "email"]


def test_the_timeline_leaves_out_tickets_the_agent_may_not_see(api_for, agent, team, other_team):
    customer = CustomerFactory.create()
    visible = TicketFactory.create(customer=customer, team=team)
    hidden = TicketFactory.create(customer=customer, team=other_team)
    MessageFactory.create(ticket=hidden, text="Gehaltsabrechnung")

    timeline = api_for(agent).get(f"{URL}{customer.pk}/").json()["timeline"]

    assert [t["id"] for t in timeline["tickets"]] == [visible.pk]
    assert timeline["ticket_count"] == 1
    assert "Gehaltsabrechnung" not in str(timeline)


def test_the_timeline_is_bounded(api_for, lead):
    customer = CustomerFactory.create()
    ticket = TicketFactory.create(customer=customer)
    for _ in range(25):
        MessageFactory.create(ticket=ticket)

    timeline = api_for(lead).get(f"{URL}{customer.pk}/").json()["timeline"]

    assert len(timeline["recent_messages"]) == 20


def test_a_customer_of_another_team_answers_404(api_for, agent, other_team):
    customer = TicketFactory.create(team=other_team).customer

    assert api_for(agent).get(f"{URL}{customer.pk}/").status_code == 404


class TestMerge:
    def test_an_agent_who_sees_both_merges_and_undoes(self, api_for, agent, team):
        mail = TicketFactory.create(team=team).customer
        IdentityFactory.create(customer=mail, value="max@beispiel.de")
        phone = TicketFactory.create(team=team).customer
        IdentityFactory.create(customer=phone, kind=IdentityKind.PHONE, value="+491701234567")
        client = api_for(agent)

        merged = client.post(f"{URL}{phone.pk}/merge/", {"into": mail.pk}, format="json")

        assert merged.status_code == 201, merged.content
        assert Ticket.objects.filter(customer=mail).count() == 2
        assert set(mail.identities.values_list("value", flat=True)) == {"max@beispiel.de", "+491701234567"}
        assert client.get(f"{URL}{mail.pk}/").json()["merges"][0]["id"] == merged.json()["id"]
        assert phone.pk not in ids(client.get(URL))

        undone = client.post(f"/api/v1/merges/{merged.json()['id']}/undo/")

        assert undone.status_code == 200
        assert undone.json()["undone_at"] is not None
        assert Ticket.objects.filter(customer=phone).count() == 1
        assert list(phone.identities.values_list("value", flat=True)) == ["+491701234567"]
        assert Customer.objects.get(pk=phone.pk).merged_into is None
        assert client.get(f"{URL}{mail.pk}/").json()["merges"] == []

    def test_undoing_twice_is_refused(self, api_for, lead):
        source, target = CustomerFactory.create(), CustomerFactory.create()
        client = api_for(lead)
        merge_id = client.post(f"{URL}{source.pk}/merge/", {"into": target.pk}, format="json").json()["id"]
        client.post(f"/api/v1/merges/{merge_id}/undo/")

        assert client.post(f"/api/v1/merges/{merge_id}/undo/").status_code == 400

    def test_a_fact_the_target_lacks_is_taken_over_and_given_back_on_undo(self, api_for, lead):
        target = CustomerFactory.create(display_name="Nora Berg", segment="", attributes={"plan": "gold"})
        source = CustomerFactory.create(
            display_name="N. Berg", segment="smb", attributes={"plan": "silver", "region": "Nord"}
        )
        client = api_for(lead)

        merged = client.post(f"{URL}{source.pk}/merge/", {"into": target.pk}, format="json")

        assert merged.status_code == 201, merged.content
        assert merged.json()["taken_over_fields"] == ["segment"]
        assert merged.json()["taken_over_attributes"] == ["region"]
        assert merged.json()["conflicts"] == [
            {"name": "display_name", "kept": "Nora Berg", "dropped": "N. Berg"},
            {"name": "plan", "kept": "gold", "dropped": "silver"},
        ]
        shown = client.get(f"{URL}{target.pk}/").json()
        assert (shown["display_name"], shown["segment"]) == ("Nora Berg", "smb")
        assert shown["attributes"] == {"plan": "gold", "region": "Nord"}

        undone = client.post(f"/api/v1/merges/{merged.json()['id']}/undo/")

        assert undone.status_code == 200, undone.content
        target.refresh_from_db()
        assert (target.segment, target.attributes) == ("", {"plan": "gold"})

    def test_an_undo_after_ten_minutes_is_refused_saying_the_time_has_passed(self, api_for, lead):
        source, target = CustomerFactory.create(), CustomerFactory.create()
        ticket = TicketFactory.create(customer=source)
        client = api_for(lead)
        merged = client.post(f"{URL}{source.pk}/merge/", {"into": target.pk}, format="json").json()
        CustomerMerge.objects.filter(pk=merged["id"]).update(
            merged_at=timezone.now() - timedelta(minutes=10, seconds=1)
        )

        english = client.post(f"/api/v1/merges/{merged['id']}/undo/", HTTP_ACCEPT_LANGUAGE="en")
        german = client.post(f"/api/v1/merges/{merged['id']}/undo/", HTTP_ACCEPT_LANGUAGE="de")

        assert english.status_code == 400
        assert english.json()["detail"] == (
            "The 10 minutes to undo this merge have passed; it can no longer be undone."
        )
        assert german.status_code == 400
        assert german.json()["detail"] == (
            "Die 10 Minuten, in denen sich diese Zusammenführung rückgängig machen ließ, sind vorbei."
        )
        ticket.refresh_from_db()
        assert ticket.customer == target
        assert CustomerMerge.objects.get(pk=merged["id"]).undone_at is None

    def test_an_agent_cannot_merge_into_a_customer_they_cannot_see(self, api_for, agent, team, other_team):
        mine = TicketFactory.create(team=team).customer
        foreign = TicketFactory.create(team=other_team).customer

        assert api_for(agent).post(f"{URL}{mine.pk}/merge/", {"into": foreign.pk}, format="json").status_code == 404
        assert api_for(agent).post(f"{URL}{foreign.pk}/merge/", {"into": mine.pk}, format="json").status_code == 404
        assert not CustomerMerge.objects.exists()

    def test_an_agent_cannot_undo_a_merge_they_cannot_see(self, api_for, agent, lead, other_team):
        source = TicketFactory.create(team=other_team).customer
        target = TicketFactory.create(team=other_team).customer
        merge_id = api_for(lead).post(f"{URL}{source.pk}/merge/", {"into": target.pk}, format="json").json()["id"]

        assert api_for(agent).post(f"/api/v1/merges/{merge_id}/undo/").status_code == 404
        assert CustomerMerge.objects.get(pk=merge_id).undone_at is None

    def test_a_customer_cannot_be_merged_into_itself(self, api_for, lead):
        customer = CustomerFactory.create()

        response = api_for(lead).post(f"{URL}{customer.pk}/merge/", {"into": customer.pk}, format="json")

        assert response.status_code == 400
        assert "itself" in response.json()["detail"]


def test_teams_and_agents_are_listed_with_roles_teams_and_presence(api_for, agent, team, other_team):
    lead = AgentFactory.create(role=Role.LEAD, teams=[team, other_team], presence="online")
    client = api_for(agent)

    teams = client.get("/api/v1/teams/").json()
    agents = {a["id"]: a for a in client.get("/api/v1/agents/").json()}

    assert [t["slug"] for t in teams] == ["billing", "support"]
    assert agents[lead.pk]["role"] == "lead"
    assert sorted(agents[lead.pk]["teams"]) == sorted([team.pk, other_team.pk])
    assert agents[lead.pk]["presence"] == "online"
    assert agents[agent.pk]["teams"] == [team.pk]


def test_teams_and_agents_are_read_only(api_for, admin_agent, team):
    client = api_for(admin_agent)

    assert client.post("/api/v1/teams/", {"name": "X", "slug": "x"}, format="json").status_code == 405
    assert client.delete(f"/api/v1/agents/{admin_agent.pk}/").status_code == 405


def test_the_customer_list_costs_the_same_number_of_queries_for_3_and_30_customers(
    api_for, agent, team, django_assert_max_num_queries
):
    def make(n: int) -> None:
        for _ in range(n):
            customer = TicketFactory.create(team=team).customer
            IdentityFactory.create(customer=customer)
            IdentityFactory.create(customer=customer, kind=IdentityKind.CHAT, value=f"visitor-{customer.pk}")

    client = api_for(agent)
    make(3)
    with CaptureQueriesContext(connection) as three:
        assert len(ids(client.get(URL))) == 3
    make(27)

    with django_assert_max_num_queries(len(three.captured_queries)):
        assert len(ids(client.get(URL))) == 30
