"""The composer's channel chooser: a ticket that can be answered on more than one channel lets the
agent pick one, and the reply goes out there."""

from __future__ import annotations

import pytest

from channels_phone.models import PhoneNumber
from channels_phone.tests.conftest import FakeProvider, Twilio, call_params, sid
from channels_phone.tests.test_call_progress import VOICE
from hub.models import Agent, IdentityKind, Message, Ticket
from hub.tests.factories import IdentityFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def phone_ticket_of_a_customer_with_an_address(twilio: Twilio) -> Ticket:
    twilio.post(VOICE, call_params(sid("CA", 90)))
    ticket = Message.objects.get(channel="phone").ticket
    IdentityFactory.create(customer=ticket.customer, kind=IdentityKind.EMAIL, value="anna@kunde.example")
    return ticket


def test_a_phone_ticket_offers_sms_first_and_email_beside_it(
    twilio: Twilio, number: PhoneNumber, agent: Agent, client_for
) -> None:
    ticket = phone_ticket_of_a_customer_with_an_address(twilio)

    html = client_for(agent).get(f"/agent/t/{ticket.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket").content
    page = html.decode()

    assert 'id="composer-channel"' in page
    sms_at, email_at = page.index('<option value="sms" selected'), page.index('<option value="email"')
    assert sms_at < email_at
    assert "anna@kunde.example" in page


def test_the_reply_goes_out_on_the_channel_the_agent_chose(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider, agent: Agent, client_for
) -> None:
    ticket = phone_ticket_of_a_customer_with_an_address(twilio)

    response = client_for(agent).post(
        f"/agent/t/{ticket.pk}/send/",
        {"text": "Die Unterlagen schicken wir per Mail.", "mode": "reply", "client_id": "choice-1", "channel": "email"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    reply = Message.objects.get(client_id="choice-1")
    assert reply.channel == "email"
    assert provider_api.requests("POST") == []  # no text went to the provider


def test_a_channel_that_cannot_reach_the_customer_is_refused_with_the_reason(
    twilio: Twilio, number: PhoneNumber, agent: Agent, client_for
) -> None:
    twilio.post(VOICE, call_params(sid("CA", 91)))
    ticket = Message.objects.get(channel="phone").ticket  # no address on file

    response = client_for(agent).post(
        f"/agent/t/{ticket.pk}/send/",
        {"text": "Hallo", "mode": "reply", "client_id": "choice-2", "channel": "email"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 422
    assert not Message.objects.filter(client_id="choice-2").exists()


def test_a_channel_that_cannot_reach_the_customer_is_shown_greyed_out_with_the_reason(
    number: PhoneNumber, agent: Agent, client_for
) -> None:
    ticket = TicketFactory.create(team=agent.teams.first(), origin_channel="email")
    IdentityFactory.create(customer=ticket.customer, kind=IdentityKind.EMAIL, value="anna@kunde.example")
    IdentityFactory.create(customer=ticket.customer, kind=IdentityKind.PHONE, value="+49301234567")  # a landline

    html = client_for(agent).get(f"/agent/t/{ticket.pk}/", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="ticket").content
    page = html.decode()

    assert '<option value="email" selected' in page
    assert '<option value="sms" disabled>SMS · Keine Mobilnummer: +49 30 1234567 empfängt keine SMS</option>' in page
