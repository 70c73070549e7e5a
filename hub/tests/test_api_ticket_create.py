"""Starting a conversation through the API: ``POST /api/v1/tickets/``."""

from __future__ import annotations

import pytest

from channels_email.models import Mailbox
from hub.actions.customers import do_merge_customers
from hub.models import (
    Agent,
    DeliveryStatus,
    Direction,
    EventKind,
    Identity,
    IdentityKind,
    MessageKind,
    Role,
    Team,
    Ticket,
    TicketStatus,
)
from hub.tests.factories import AgentFactory, CustomerFactory, IdentityFactory, TicketFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/tickets/"


@pytest.fixture(autouse=True)
def mailbox(team: Team) -> Mailbox:
    return Mailbox.objects.create(address="support@hub.example", default_team=team, is_default=True)


def start(client, **body):
    body.setdefault("channel", "email")
    body.setdefault("subject", "Ihre Rücksendung")
    body.setdefault("message", {"text": "Guten Tag, wir haben Ihre Rücksendung erhalten."})
    return client.post(URL, body, format="json")


def test_an_agent_who_writes_to_a_new_address_opens_a_ticket_whose_first_mail_is_queued(api_for, agent, team):
    response = start(api_for(agent), customer={"email": "Neu@Kunde.DE", "name": "Nora Neu"}, team="support")

    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(pk=body["id"])
    assert ticket.team == team and ticket.assignee == agent and ticket.status == TicketStatus.OPEN
    assert ticket.subject == "Ihre Rücksendung" and ticket.origin_channel == "email"
    assert ticket.customer.display_name == "Nora Neu"
    assert list(ticket.customer.identities.values_list("kind", "value")) == [("email", "neu@kunde.de")]
    message = ticket.messages.get()
    assert message.direction == Direction.OUTBOUND and message.author_agent == agent
    assert message.delivery_status == DeliveryStatus.QUEUED
    assert message.metadata["to"] == ["neu@kunde.de"]
    assert body["message"]["id"] == message.pk and body["message"]["text"].startswith("Guten Tag")
    assert ticket.events.filter(kind=EventKind.CREATED).get().data["reason"].startswith("started by")


def test_an_address_a_customer_has_already_starts_the_conversation_with_that_customer(api_for, agent):
    known = IdentityFactory.create(kind=IdentityKind.EMAIL, value="max@kunde.de").customer

    response = start(api_for(agent), customer={"email": "MAX@kunde.de"})

    assert response.status_code == 201
    assert Ticket.objects.get(pk=response.json()["id"]).customer == known
    assert Identity.objects.filter(value="max@kunde.de").count() == 1


def test_a_customer_named_by_id_is_written_to_at_their_address(api_for, agent, team):
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, kind=IdentityKind.EMAIL, value="lisa@kunde.de")
    TicketFactory.create(customer=customer, team=team)

    response = start(api_for(agent), customer=customer.pk)

    assert response.status_code == 201
    assert response.json()["customer"]["id"] == customer.pk


def test_a_customer_without_an_email_address_cannot_be_mailed_and_nothing_is_stored(api_for, agent):
    customer = CustomerFactory.create()  # no ticket yet: anyone's to start with
    IdentityFactory.create(customer=customer, kind=IdentityKind.PHONE, value="+4915123456789")

    response = start(api_for(agent), customer=customer.pk)

    assert response.status_code == 400
    assert "email" in response.json()["detail"].lower() or "E-Mail" in response.json()["detail"]
    assert not Ticket.objects.exists()


def test_an_agent_cannot_start_a_conversation_for_another_team(api_for, agent, other_team):
    response = start(api_for(agent), customer={"email": "x@kunde.de"}, team=other_team.slug)

    assert response.status_code == 403
    assert not Ticket.objects.exists()


def test_an_admin_may_start_one_for_any_team(api_for, admin_agent, other_team):
    response = start(api_for(admin_agent), customer={"email": "x@kunde.de"}, team=other_team.slug)

    assert response.status_code == 201
    assert response.json()["team"]["id"] == other_team.pk


def test_an_agent_of_several_teams_must_choose_one(api_for, team, other_team):
    agent = AgentFactory.create(teams=[team, other_team], role=Role.AGENT)

    response = start(api_for(agent), customer={"email": "x@kunde.de"})

    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_a_customer_the_agent_cannot_see_is_not_found(api_for, agent, other_team):
    hidden = TicketFactory.create(team=other_team).customer

    response = start(api_for(agent), customer=hidden.pk)

    assert response.status_code == 404


def test_a_customer_merged_away_in_another_team_stays_out_of_an_agents_reach(api_for, client, agent, other_team):
    # A lead of the other team merged two records of one customer; the emptied one keeps its details.
    kept = TicketFactory.create(team=other_team).customer
    merged = CustomerFactory.create(display_name="Vertraulich GmbH", vip=True)
    TicketFactory.create(team=other_team, customer=merged)
    do_merge_customers(merged, kept, actor=AgentFactory.create(role=Role.LEAD, teams=[other_team]))
    api = api_for(agent)
    client.force_login(agent.user)

    started = start(api, customer=merged.pk, message={"text": "intern", "internal": True})

    assert started.status_code == 404
    assert not Ticket.objects.filter(customer=kept, team__isnull=False).exclude(team=other_team).exists()
    assert api.get(f"/api/v1/customers/{merged.pk}/").status_code == 404
    page = client.get(f"/agent/customers/{merged.pk}/")
    assert page.status_code == 404
    assert "Vertraulich GmbH" not in page.content.decode()


def test_a_call_logged_on_behalf_of_the_customer_is_their_message_written_by_the_agent(api_for, agent):
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, kind=IdentityKind.PHONE, value="+4915123456789")

    response = start(
        api_for(agent),
        customer=customer.pk,
        channel="phone",
        direction="in",
        subject="Anruf: Rechnung doppelt",
        message={"text": "Kundin ruft an, Rechnung 4711 kam zweimal."},
    )

    assert response.status_code == 201, response.json()
    ticket = Ticket.objects.get(pk=response.json()["id"])
    message = ticket.messages.get()
    assert message.direction == Direction.INBOUND and message.channel == "phone"
    assert message.author_customer == customer and message.author_agent == agent
    assert message.metadata["on_behalf"] is True
    assert message.delivery_status == DeliveryStatus.RECEIVED  # nothing was sent
    assert ticket.status == TicketStatus.NEW and ticket.last_customer_message_at == message.created_at


def test_an_internal_first_message_is_a_note_and_reaches_nobody(api_for, agent):
    response = start(api_for(agent), customer={"email": "x@kunde.de"}, message={"text": "Rückruf", "internal": True})

    assert response.status_code == 201
    message = Ticket.objects.get(pk=response.json()["id"]).messages.get()
    assert message.kind == MessageKind.NOTE


def test_a_chat_cannot_be_started_by_an_agent(api_for, agent):
    response = start(api_for(agent), customer={"email": "x@kunde.de"}, channel="chat")

    assert response.status_code == 400
    assert not Ticket.objects.exists()


def test_an_invalid_address_or_an_empty_message_is_refused(api_for, agent):
    client = api_for(agent)

    assert start(client, customer={"email": "kein-at-zeichen"}).status_code == 400
    assert start(client, customer={"email": "x@kunde.de"}, message={"text": "  "}).status_code == 400
    assert not Ticket.objects.exists()


def test_a_viewer_cannot_start_a_conversation(api_for, team):
    viewer: Agent = AgentFactory.create(teams=[team], role=Role.VIEWER)

    assert start(api_for(viewer), customer={"email": "x@kunde.de"}).status_code == 403


def test_the_same_client_id_again_answers_the_first_ticket_and_sends_nothing_twice(api_for, agent):
    client = api_for(agent)

    first = start(client, customer={"email": "x@kunde.de"}, client_id="k-1")
    again = start(client, customer={"email": "x@kunde.de"}, client_id="k-1")

    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Ticket.objects.count() == 1


def test_a_text_to_a_customers_mobile_goes_out_from_a_number_set_up_for_sms(api_for, agent):
    from channels_phone.models import PhoneNumber

    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, kind=IdentityKind.PHONE, value="+4915123456789")
    client = api_for(agent)

    without_number = start(client, customer=customer.pk, channel="sms", message={"text": "Ihr Termin: Fr 10 Uhr"})
    PhoneNumber.objects.create(number="+4930901820", provider="twilio", account_sid="AC1", auth_token="x", sms=True)
    with_number = start(client, customer=customer.pk, channel="sms", message={"text": "Ihr Termin: Fr 10 Uhr"})

    assert without_number.status_code == 400 and "SMS" in without_number.json()["detail"]
    assert with_number.status_code == 201
    message = Ticket.objects.get(pk=with_number.json()["id"]).messages.get()
    assert message.channel == "sms" and message.delivery_status == DeliveryStatus.QUEUED
