from __future__ import annotations

import pytest
from django.utils import timezone

from hub.access import visible_tickets
from hub.models import (
    DeliveryStatus,
    Direction,
    EventKind,
    Message,
    MessageKind,
    Priority,
    Role,
    Ticket,
    TicketStatus,
)
from hub.tests.factories import AgentFactory, MessageFactory, TicketFactory
from hub.tests.fake_channel import FakeChannel

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(team, fake_channel: FakeChannel) -> Ticket:
    ticket = TicketFactory.create(team=team, origin_channel="fake", subject="Lieferung")
    MessageFactory.create(ticket=ticket, channel="fake", text="Wo ist mein Paket?")
    return ticket


def url(ticket: Ticket, route: str) -> str:
    return f"/api/v1/tickets/{ticket.pk}/{route}/"


class TestReply:
    def test_a_reply_goes_out_through_the_channel_adapter(
        self, api_for, agent, ticket, fake_channel, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_for(agent).post(url(ticket, "reply"), {"text": "Ist unterwegs."}, format="json")

        assert response.status_code == 201, response.content
        assert fake_channel.sent == [
            {"message_id": response.json()["id"], "ticket_id": ticket.pk, "text": "Ist unterwegs."}
        ]
        message = Message.objects.get(pk=response.json()["id"])
        assert (message.direction, message.channel, message.delivery_status) == ("out", "fake", DeliveryStatus.SENT)
        assert message.external_id == f"fake-out-{message.pk}"

    def test_nothing_is_sent_before_the_reply_is_committed(
        self, api_for, agent, ticket, fake_channel, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            response = api_for(agent).post(url(ticket, "reply"), {"text": "Ist unterwegs."}, format="json")

        assert response.json()["delivery_status"] == "queued"
        assert fake_channel.sent == []
        assert callbacks

    def test_the_same_client_id_twice_gives_one_message_and_one_send(
        self, api_for, agent, ticket, fake_channel, django_capture_on_commit_callbacks
    ):
        body = {"text": "Ist unterwegs.", "client_id": "c0ffee-1"}
        client = api_for(agent)
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(url(ticket, "reply"), body, format="json")
            again = client.post(url(ticket, "reply"), body, format="json")

        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"]
        assert ticket.messages.filter(direction=Direction.OUTBOUND).count() == 1
        assert len(fake_channel.sent) == 1

    def test_a_reply_after_newer_messages_is_held_with_those_messages(self, api_for, agent, ticket, fake_channel):
        seen = ticket.messages.get()
        newer = MessageFactory.create(ticket=ticket, channel="fake", text="Hallo? Noch da?")

        response = api_for(agent).post(
            url(ticket, "reply"), {"text": "Ist unterwegs.", "seen_message_id": seen.pk}, format="json"
        )

        assert response.status_code == 409
        assert [m["id"] for m in response.json()["newer"]] == [newer.pk]
        assert response.json()["newer"][0]["text"] == "Hallo? Noch da?"
        assert not ticket.messages.filter(direction=Direction.OUTBOUND).exists()
        assert fake_channel.sent == []

    def test_a_reply_that_saw_the_newest_message_is_sent(self, api_for, agent, ticket):
        seen = ticket.messages.get()

        response = api_for(agent).post(url(ticket, "reply"), {"text": "Ok", "seen_message_id": seen.pk}, format="json")

        assert response.status_code == 201

    def test_a_channel_that_cannot_send_now_answers_400_with_the_reason(self, api_for, agent, ticket, fake_channel):
        fake_channel.closed_tickets.add(ticket.pk)

        response = api_for(agent).post(url(ticket, "reply"), {"text": "Noch da?"}, format="json")

        assert response.status_code == 400
        assert response.json()["detail"] == "conversation ended"
        assert not ticket.messages.filter(direction=Direction.OUTBOUND).exists()

    def test_a_reply_on_an_unknown_channel_answers_400(self, api_for, agent, ticket):
        response = api_for(agent).post(url(ticket, "reply"), {"text": "Hi", "channel": "fax"}, format="json")

        assert response.status_code == 400
        assert "fax" in response.json()["detail"]

    def test_reply_html_is_sanitized_and_text_taken_from_it_when_missing(self, api_for, agent, ticket):
        html = '<p onclick="steal()">Ihr <b>Paket</b></p><script>alert(1)</script>'

        response = api_for(agent).post(url(ticket, "reply"), {"html": html}, format="json")

        message = Message.objects.get(pk=response.json()["id"])
        assert "script" not in message.html and "onclick" not in message.html
        assert "<b>Paket</b>" in message.html
        assert message.text == "Ihr Paket"

    def test_a_reply_over_the_api_carries_no_remote_or_data_image_that_could_track_the_customer(
        self, api_for, agent, ticket
    ):
        html = (
            '<p>Siehe <img src="https://tracker.example/pixel.gif?c=1" alt="">'
            '<img src="data:image/png;base64,iVBORw0KGgo=">'
            "<table><tr><td>Tabelle bleibt</td></tr></table></p>"
        )

        response = api_for(agent).post(url(ticket, "reply"), {"html": html}, format="json")

        message = Message.objects.get(pk=response.json()["id"])
        assert "<img" not in message.html and "tracker.example" not in message.html
        assert "<td>Tabelle bleibt</td>" in message.html

    def test_an_empty_reply_is_refused(self, api_for, agent, ticket):
        response = api_for(agent).post(url(ticket, "reply"), {"text": "   "}, format="json")

        assert response.status_code == 400
        assert "text" in response.json()

    def test_a_reply_can_set_the_status(self, api_for, agent, ticket):
        api_for(agent).post(url(ticket, "reply"), {"text": "Erledigt.", "status": "solved"}, format="json")

        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.SOLVED
        assert ticket.solved_at is not None


def test_a_note_is_internal_and_never_sent(api_for, agent, ticket, fake_channel, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(agent).post(url(ticket, "notes"), {"text": "Kunde ist Stammkunde."}, format="json")

    assert response.status_code == 201
    note = Message.objects.get(pk=response.json()["id"])
    assert (note.kind, note.text, note.author_agent) == (MessageKind.NOTE, "Kunde ist Stammkunde.", agent)
    assert fake_channel.sent == []


def test_assigning_and_unassigning_records_it_on_the_timeline(api_for, agent, ticket, team):
    colleague = AgentFactory.create(teams=[team])
    client = api_for(agent)

    assigned = client.post(url(ticket, "assign"), {"assignee": colleague.pk}, format="json")
    unassigned = client.post(url(ticket, "assign"), {"assignee": None}, format="json")

    assert assigned.json()["assignee"]["id"] == colleague.pk
    assert unassigned.json()["assignee"] is None
    events = list(ticket.events.filter(kind=EventKind.ASSIGNED).values_list("data", flat=True))
    assert [e["assignee_id"] for e in events] == [colleague.pk, None]


def test_assigning_to_an_agent_that_does_not_exist_is_refused(api_for, agent, ticket):
    response = api_for(agent).post(url(ticket, "assign"), {"assignee": 999999}, format="json")

    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.assignee is None


@pytest.mark.parametrize(
    "who",
    [
        {"role": Role.VIEWER, "same_team": True},
        {"role": Role.AGENT, "same_team": True, "integration": True},
        {"role": Role.AGENT, "same_team": True, "deactivated": True},
        {"role": Role.AGENT, "same_team": False},
    ],
    ids=["a viewer", "an integration", "a deactivated agent", "an agent of another team"],
)
def test_the_api_assigns_only_to_someone_who_would_see_the_ticket_and_takes_tickets(
    api_for, agent, ticket, team, other_team, who
):
    other = AgentFactory.create(
        role=who["role"],
        teams=[team if who["same_team"] else other_team],
        integration=who.get("integration", False),
        deactivated_at=timezone.now() if who.get("deactivated") else None,
    )

    response = api_for(agent).post(url(ticket, "assign"), {"assignee": other.pk}, format="json")

    assert response.status_code == 400
    assert "assignee" in response.json()
    ticket.refresh_from_db()
    assert ticket.assignee is None
    if not who["same_team"]:  # nothing was handed over: they still cannot open the ticket
        assert not visible_tickets(other).filter(pk=ticket.pk).exists()


def test_the_api_assigns_to_a_lead_of_another_team_as_the_header_does(api_for, agent, ticket, other_team):
    lead = AgentFactory.create(role=Role.LEAD, teams=[other_team])

    response = api_for(agent).post(url(ticket, "assign"), {"assignee": lead.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["assignee"]["id"] == lead.pk


def test_status_priority_and_tags_change_the_ticket_and_its_version(api_for, agent, ticket):
    client = api_for(agent)

    status = client.post(url(ticket, "status"), {"status": "pending"}, format="json")
    priority = client.post(url(ticket, "priority"), {"priority": Priority.URGENT}, format="json")
    tags = client.post(url(ticket, "tags"), {"tags": ["Retoure", "Express"]}, format="json")
    fewer = client.post(url(ticket, "tags"), {"tags": ["express"]}, format="json")

    assert status.json()["status"] == "pending"
    assert priority.json()["priority"] == Priority.URGENT
    assert sorted(tags.json()["tags"]) == ["express", "retoure"]
    assert fewer.json()["tags"] == ["express"]
    assert fewer.json()["version"] == ticket.version + 4
    assert list(ticket.events.values_list("kind", flat=True)) == ["status", "priority", "tags", "tags"]


def test_moving_a_ticket_to_another_team(api_for, agent, ticket, other_team):
    response = api_for(agent).post(url(ticket, "team"), {"team": other_team.pk}, format="json")

    assert response.json()["team"] == {"id": other_team.pk, "name": "Billing"}
    assert ticket.events.get(kind=EventKind.TEAM_CHANGED).data["team_id"] == other_team.pk
    # Moved out of the agent's teams and not theirs: it leaves their sight.
    assert api_for(agent).get(f"/api/v1/tickets/{ticket.pk}/").status_code == 404


def test_only_admins_and_leads_take_a_ticket_out_of_every_team_as_in_the_workspace(api_for, agent, ticket, team):
    lead = AgentFactory.create(role=Role.LEAD)

    refused = api_for(agent).post(url(ticket, "team"), {"team": None}, format="json")
    assert refused.status_code == 403 and "Teamleiter" in refused.json()["detail"]
    assert Ticket.objects.get(pk=ticket.pk).team_id == team.pk

    taken = api_for(lead).post(url(ticket, "team"), {"team": None}, format="json")
    assert taken.status_code == 200 and taken.json()["team"] is None


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("team", {"team": 999999}),
        ("status", {"status": "done"}),
        ("priority", {"priority": 9}),
        ("tags", {"tags": "not-a-list"}),
    ],
)
def test_invalid_values_are_refused_and_change_nothing(api_for, agent, ticket, route, body):
    response = api_for(agent).post(url(ticket, route), body, format="json")

    assert response.status_code == 400
    assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


@pytest.mark.django_db(transaction=True)
def test_a_committed_reply_is_delivered_by_the_task_without_any_test_hook(api_for, team, fake_channel):
    agent = AgentFactory.create(teams=[team])
    ticket = TicketFactory.create(team=team, origin_channel="fake")
    MessageFactory.create(ticket=ticket, channel="fake")

    response = api_for(agent).post(url(ticket, "reply"), {"text": "Kommt morgen."}, format="json")

    assert response.status_code == 201
    assert [s["text"] for s in fake_channel.sent] == ["Kommt morgen."]
    assert Message.objects.get(pk=response.json()["id"]).delivery_status == DeliveryStatus.SENT
