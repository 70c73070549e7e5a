"""The workspace's "New conversation" form: find or type the recipient, write, send, see the ticket."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hub.models import DeliveryStatus, Direction, IdentityKind, Role, Ticket
from hub.tests.factories import AgentFactory, IdentityFactory, TicketFactory

pytestmark = pytest.mark.django_db

URL = "/agent/new/"


def test_the_rail_offers_a_new_conversation(client_for, agent, team):
    page = client_for(agent).get(reverse("agent_view", args=["mine"]))

    assert page.status_code == 200
    assert f'href="{URL}"' in page.content.decode()


def test_an_agent_writes_to_an_address_and_lands_on_the_new_ticket(client_for, agent, team):
    client = client_for(agent)

    response = client.post(
        URL,
        {"to": "nora@kunde.de", "channel": "email", "team": team.pk, "subject": "Ihre Rücksendung", "text": "Hallo!"},
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("agent_permalink", args=[ticket.pk])
    message = ticket.messages.get()
    assert message.direction == Direction.OUTBOUND and message.delivery_status == DeliveryStatus.QUEUED
    assert ticket.team == team and ticket.subject == "Ihre Rücksendung"
    page = client.get(response["Location"], follow=True)
    assert "Hallo!" in page.content.decode()


def test_typing_finds_the_agents_customers_to_choose_from(client_for, agent, team, other_team):
    mine = TicketFactory.create(team=team).customer
    IdentityFactory.create(customer=mine, kind=IdentityKind.EMAIL, value="lisa.lang@kunde.de")
    theirs = TicketFactory.create(team=other_team).customer
    IdentityFactory.create(customer=theirs, kind=IdentityKind.EMAIL, value="lisa.lustig@kunde.de")

    found = client_for(agent).get(reverse("agent_new_conversation_recipients"), {"to": "lisa"}).content.decode()

    assert f'value="{mine.pk}"' in found and "lisa.lang@kunde.de" in found
    assert "lisa.lustig" not in found


def test_a_chosen_customer_is_written_to(client_for, agent, team):
    customer = TicketFactory.create(team=team).customer
    IdentityFactory.create(customer=customer, kind=IdentityKind.EMAIL, value="lisa@kunde.de")

    response = client_for(agent).post(
        URL, {"to": "Lisa", "customer": customer.pk, "channel": "email", "team": team.pk, "text": "Hallo Lisa"}
    )

    assert response.status_code == 302
    assert Ticket.objects.latest("pk").customer == customer


def test_what_cannot_go_out_is_said_and_the_text_is_kept(client_for, agent, team):
    customer = TicketFactory.create(team=team).customer
    IdentityFactory.create(customer=customer, kind=IdentityKind.PHONE, value="+493012345678")  # a landline

    response = client_for(agent).post(
        URL, {"customer": customer.pk, "channel": "sms", "team": team.pk, "text": "Bitte zurückrufen"}
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body and "Bitte zurückrufen" in body
    assert Ticket.objects.filter(customer=customer).count() == 1  # only the earlier one


def test_the_form_reads_in_german(client_for, agent, team):
    page = client_for(agent).get(URL, HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Neue Unterhaltung" in page


def test_a_viewer_cannot_start_one(client_for, team):
    viewer = AgentFactory.create(teams=[team], role=Role.VIEWER)

    assert client_for(viewer).post(URL, {"to": "x@kunde.de", "text": "Hallo"}).status_code == 403


def test_the_form_sent_twice_starts_one_conversation(client_for, agent, team):
    client = client_for(agent)
    form = {"to": "nora@kunde.de", "channel": "email", "team": team.pk, "text": "Hallo!", "client_id": "form-1"}

    first, second = client.post(URL, form), client.post(URL, form)

    assert first["Location"] == second["Location"]
    assert Ticket.objects.count() == 1


def test_the_form_sent_again_after_its_ticket_left_the_agents_teams_says_so_and_shows_nothing(
    client_for, agent, team, other_team
):
    client = client_for(agent)
    form = {"to": "nora@kunde.de", "channel": "email", "team": team.pk, "text": "Hallo!", "client_id": "form-2"}
    client.post(URL, form)
    Ticket.objects.update(team=other_team, assignee=None)  # handed on: out of their sight

    again = client.post(URL, form)

    assert again.status_code != 302 and Ticket.objects.count() == 1
    assert "hat inzwischen Ihre Teams verlassen" in again.content.decode()


def test_sms_can_be_chosen_only_for_a_customer_with_a_phone_number(client_for, agent, team):
    client = client_for(agent)
    texting = TicketFactory.create(team=team).customer
    IdentityFactory.create(customer=texting, kind=IdentityKind.PHONE, value="+4915123456789")

    for_address = client.get(URL, {"to": "x@kunde.de"}).content.decode()
    for_texting = client.get(URL, {"customer": texting.pk}).content.decode()

    assert '<option value="sms" disabled>' in for_address
    assert '<option value="email">' in for_address
    assert '<option value="sms">' in for_texting
    assert '<option value="email" disabled>' in for_texting
