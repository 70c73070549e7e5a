"""Click-to-call: an agent clicks "Call" on a ticket, the provider rings the agent's own line and
then connects the customer from our number; the call is on the ticket (kind ``call``, out) and
the provider's callbacks move it forward. What went over the wire is checked for both providers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from django.test import Client

from channels_phone.models import Call, PhoneNumber, SmsOptOut
from channels_phone.tests.conftest import (
    ACCOUNT,
    CALLER,
    GENERIC_NUMBER,
    OUR_NUMBER,
    SITE,
    TOKEN,
    FakeProvider,
    Generic,
    Twilio,
    call_params,
    sid,
)
from hub.models import Agent, EventKind, IdentityKind, Message, MessageKind, Role, Team, Ticket, TicketEvent
from hub.tests.factories import AgentFactory, CustomerFactory, IdentityFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)

VOICE = "/phone/twilio/voice/"
CALLS = f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
AGENT_PHONE = "+4917612345678"
OUT_SID = sid("CA", 0xC0FFEE)


def call_accepted(call_sid: str = OUT_SID) -> tuple[int, dict[str, str], bytes]:
    """Twilio's answer to a new call (abridged)."""
    body = {"sid": call_sid, "status": "queued", "account_sid": ACCOUNT, "direction": "outbound-api"}
    return 201, {"Content-Type": "application/json"}, json.dumps(body).encode()


def agent_leg(call_sid: str = OUT_SID, status: str = "in-progress", **more: str) -> dict[str, str]:
    """A webhook about the call we placed: Twilio rang the agent's phone from our number."""
    params = {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": status,
        "Direction": "outbound-api",
        "From": OUR_NUMBER,
        "To": AGENT_PHONE,
        "Called": AGENT_PHONE,
        "Caller": OUR_NUMBER,
    }
    params.update(more)
    return params


def phone_ticket(twilio: Twilio) -> Ticket:
    """A ticket from the customer's call to our number."""
    assert twilio.post(VOICE, call_params(sid("CA", 1))).status_code == 200
    return Message.objects.get(channel="phone", external_id=sid("CA", 1)).ticket


def path_of(url: str) -> str:
    """The path and query of one of our public URLs (what the provider will request)."""
    assert url.startswith(SITE), url
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def dial_action_of(answer: Any) -> str:
    """Where the connect answer's Dial sends the customer leg's result."""
    dial = ElementTree.fromstring(answer.content).find("Dial")  # noqa: S314 - our own answer
    assert dial is not None
    return path_of(dial.get("action", ""))


def click(client: Client, ticket: Ticket, number: str = CALLER) -> Any:
    return client.post(f"/phone/tickets/{ticket.pk}/call/", {"number": number})


def placed(twilio: Twilio, provider_api: FakeProvider, client: Client) -> tuple[Ticket, dict[str, str]]:
    """A phone ticket an agent clicked "Call" on, and what Twilio was asked."""
    ticket = phone_ticket(twilio)
    provider_api.on("POST", CALLS, call_accepted())
    assert click(client, ticket).status_code == 200
    return ticket, provider_api.requests("POST", CALLS)[0].form


@pytest.fixture
def caller_agent(online_agent: Callable[..., Agent], team: Team) -> Agent:
    return online_agent(team, phone=AGENT_PHONE)


def test_an_agent_who_clicks_call_has_twilio_ring_their_phone_from_our_number_and_sees_it_ringing(
    twilio: Twilio, number: PhoneNumber, caller_agent: Agent, provider_api: FakeProvider, client_for: Any
) -> None:
    ticket = phone_ticket(twilio)
    provider_api.on("POST", CALLS, call_accepted())

    answer = click(client_for(caller_agent), ticket)

    assert answer.status_code == 200
    assert "Ihr Telefon klingelt" in answer.content.decode()
    (request,) = provider_api.requests("POST", CALLS)
    assert request.basic_auth == (ACCOUNT, TOKEN)
    form = parse_qs(request.body.decode())
    assert form["To"] == [AGENT_PHONE] and form["From"] == [OUR_NUMBER]
    assert form["Url"][0].startswith(f"{SITE}/phone/twilio/connect/?")
    assert form["StatusCallback"][0].startswith(f"{SITE}/phone/twilio/call-status/?")
    assert form["StatusCallbackEvent"] == ["initiated", "ringing", "answered", "completed"]
    message = ticket.messages.get(kind=MessageKind.CALL, direction="out")
    assert (message.external_id, message.author_agent, message.metadata["to"]) == (OUT_SID, caller_agent, CALLER)
    call = Call.objects.get(call_sid=OUT_SID)
    assert (call.direction, call.from_number, call.to_number, call.status) == ("out", OUR_NUMBER, CALLER, "queued")


def test_an_agent_with_a_browser_client_is_rung_there(
    twilio: Twilio,
    number: PhoneNumber,
    online_agent: Callable[..., Agent],
    team: Team,
    provider_api: FakeProvider,
    client_for: Any,
) -> None:
    ticket = phone_ticket(twilio)
    agent = online_agent(team, client="anna")
    provider_api.on("POST", CALLS, call_accepted())

    assert click(client_for(agent), ticket).status_code == 200

    assert provider_api.requests("POST", CALLS)[0].form["To"] == "client:anna"


def test_the_connect_webhook_dials_the_customer_with_our_caller_id_and_answers_a_replay_alike(
    twilio: Twilio, number: PhoneNumber, caller_agent: Agent, provider_api: FakeProvider, client_for: Any
) -> None:
    ticket, request = placed(twilio, provider_api, client_for(caller_agent))
    connect = path_of(request["Url"])

    first = twilio.post(connect, agent_leg())
    again = twilio.post(connect, agent_leg())

    assert first.status_code == 200 and first.content == again.content
    root = ElementTree.fromstring(first.content)  # noqa: S314 - our own answer
    dial = root.find("Dial")
    assert dial is not None and dial.get("callerId") == OUR_NUMBER
    assert [n.text for n in dial.findall("Number")] == [CALLER]
    assert dial.get("action", "").startswith(f"{SITE}/phone/twilio/connect/?")
    assert Call.objects.filter(call_sid=OUT_SID).count() == 1
    assert ticket.messages.filter(kind=MessageKind.CALL, direction="out").count() == 1
    assert twilio.post(connect, agent_leg(), signature="forged").status_code == 403
    assert (
        twilio.post(
            connect.replace(CALLER.lstrip("+"), "4915199999999"),
            agent_leg(),
            signature=twilio.signature(connect, agent_leg()),
        ).status_code
        == 403
    )


def test_status_callbacks_move_the_outbound_call_on_the_ticket_forward_and_never_back(
    twilio: Twilio, number: PhoneNumber, caller_agent: Agent, provider_api: FakeProvider, client_for: Any
) -> None:
    ticket, request = placed(twilio, provider_api, client_for(caller_agent))
    status, connect = path_of(request["StatusCallback"]), path_of(request["Url"])

    for callback in ("initiated", "ringing", "in-progress"):
        assert twilio.post(status, agent_leg(status=callback)).status_code == 200
    dial_action = dial_action_of(twilio.post(connect, agent_leg()))
    ended = twilio.post(dial_action, agent_leg(DialCallStatus="completed", DialCallDuration="40"))
    assert ended.status_code == 200 and b"<Hangup" in ended.content
    twilio.post(status, agent_leg(status="completed", CallDuration="52"))
    twilio.post(status, agent_leg(status="ringing"))

    call = Call.objects.get(call_sid=OUT_SID)
    assert (call.status, call.duration, call.answered_by) == ("completed", 52, caller_agent)
    message = ticket.messages.get(kind=MessageKind.CALL, direction="out")
    assert message.metadata["status"] == "completed"
    assert message.metadata["outcome"] == "answered"
    assert message.metadata["answered_by_name"] == caller_agent.name
    page = client_for(caller_agent).get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()
    assert "Ausgehender Anruf" in page and f"Angenommen von {caller_agent.name}" in page


def test_a_customer_who_does_not_answer_leaves_an_outgoing_call_and_no_callback_due(
    twilio: Twilio, number: PhoneNumber, caller_agent: Agent, provider_api: FakeProvider, client_for: Any
) -> None:
    ticket, request = placed(twilio, provider_api, client_for(caller_agent))
    connect = path_of(request["Url"])
    dial_action = dial_action_of(twilio.post(connect, agent_leg()))

    twilio.post(dial_action, agent_leg(DialCallStatus="busy"))
    twilio.post(path_of(request["StatusCallback"]), agent_leg(status="completed", CallDuration="30"))

    message = ticket.messages.get(kind=MessageKind.CALL, direction="out")
    assert (message.metadata["status"], message.metadata["outcome"]) == ("busy", "busy")
    assert not TicketEvent.objects.filter(
        ticket=ticket, kind=EventKind.CALLBACK_DUE, data__message_id=message.pk
    ).exists()
    page = client_for(caller_agent).get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()
    assert "Ausgehender Anruf" in page and "Besetzt" in page


def test_a_status_callback_that_comes_before_the_providers_answer_leaves_one_call_on_the_ticket(
    twilio: Twilio, number: PhoneNumber, caller_agent: Agent, provider_api: FakeProvider, client_for: Any
) -> None:
    ticket = phone_ticket(twilio)
    seen: dict[str, int] = {}

    def ring_first(request: Any) -> tuple[int, dict[str, str], bytes]:
        # The provider reports the call before it answers our request (as it may).
        callback = twilio.client.__class__()
        seen["status"] = (
            Twilio(callback).post(path_of(request.form["StatusCallback"]), agent_leg(status="ringing")).status_code
        )
        return call_accepted()

    provider_api.on("POST", CALLS, ring_first)

    assert click(client_for(caller_agent), ticket).status_code == 200

    assert seen["status"] == 200
    assert Call.objects.get(call_sid=OUT_SID).status == "ringing"
    assert ticket.messages.filter(kind=MessageKind.CALL, direction="out", external_id=OUT_SID).count() == 1


def test_the_generic_provider_is_asked_for_a_call_from_the_agents_phone_to_the_customer(
    generic_number: PhoneNumber,
    caller_agent: Agent,
    team: Team,
    provider_api: FakeProvider,
    generic_provider: Generic,
    client_for: Any,
) -> None:
    customer = CustomerFactory.create()
    IdentityFactory.create(customer=customer, kind=IdentityKind.PHONE, value=CALLER)
    ticket = TicketFactory.create(team=team, customer=customer)
    provider_api.on("POST", "/v2/sessions/calls", (200, {"Content-Type": "application/json"}, b'{"sessionId": "s-77"}'))

    answer = click(client_for(caller_agent), ticket)

    assert "Ihr Telefon klingelt" in answer.content.decode()
    (request,) = provider_api.requests("POST", "/v2/sessions/calls")
    assert request.basic_auth == ("token-id", "generic-api-token")
    body = request.json
    assert (body["caller"], body["callee"], body["callerId"]) == (AGENT_PHONE, CALLER, GENERIC_NUMBER)
    status = path_of(body["callbackUrl"])
    assert status.startswith("/phone/generic/call-status/?")

    # The agent's phone answering is not the customer answering; the customer's is.
    base = {"callId": "s-77", "from": GENERIC_NUMBER, "to": CALLER, "direction": "out"}
    generic_provider.post(status, {**base, "event": "answer", "answeringNumber": AGENT_PHONE})
    assert Call.objects.get(call_sid="s-77").answered_by is None
    generic_provider.post(status, {**base, "event": "answer", "answeringNumber": CALLER})
    assert (
        generic_provider.post(
            status, {**base, "event": "hangup", "cause": "normalClearing", "duration": "61"}
        ).status_code
        == 200
    )

    message = ticket.messages.get(kind=MessageKind.CALL, direction="out", external_id="generic:s-77")
    assert (message.metadata["status"], message.metadata["outcome"], message.metadata["duration"]) == (
        "completed",
        "answered",
        61,
    )
    assert Call.objects.get(call_sid="s-77").answered_by == caller_agent


def test_an_agent_without_a_phone_line_is_told_to_set_one_up_and_no_call_is_placed(
    twilio: Twilio, number: PhoneNumber, agent: Agent, provider_api: FakeProvider, client_for: Any
) -> None:
    ticket = phone_ticket(twilio)

    answer = click(client_for(agent), ticket)

    assert answer.status_code == 200
    assert "Richten Sie zuerst Ihre Telefonleitung ein" in answer.content.decode()
    assert 'role="alert"' in answer.content.decode()
    assert not provider_api.seen
    assert not ticket.messages.filter(direction="out").exists()


def test_the_providers_refusal_is_shown_with_its_error_code_and_nothing_is_stored(
    twilio: Twilio, number: PhoneNumber, caller_agent: Agent, provider_api: FakeProvider, client_for: Any
) -> None:
    ticket = phone_ticket(twilio)
    refusal = json.dumps({"code": 21215, "message": "Account not authorized to call this number", "status": 400})
    provider_api.on("POST", CALLS, (400, {"Content-Type": "application/json"}, refusal.encode()))

    shown = click(client_for(caller_agent), ticket).content.decode()

    assert "Der Anbieter hat den Anruf abgelehnt" in shown and "21215" in shown
    assert not Call.objects.filter(direction="out").exists()
    assert not ticket.messages.filter(direction="out").exists()


def test_an_opted_out_customer_may_still_be_called_but_not_at_a_number_that_is_not_theirs(
    twilio: Twilio, number: PhoneNumber, caller_agent: Agent, provider_api: FakeProvider, client_for: Any
) -> None:
    ticket = phone_ticket(twilio)
    SmsOptOut.objects.create(phone=CALLER, keyword="STOP")
    provider_api.on("POST", CALLS, call_accepted())
    client = client_for(caller_agent)

    stranger = click(client, ticket, "+4915199999999").content.decode()
    assert "ist keine Rufnummer dieses Kunden" in stranger and not provider_api.seen

    assert "Ihr Telefon klingelt" in click(client, ticket).content.decode()
    assert provider_api.requests("POST", CALLS)


def test_only_agents_who_may_change_the_ticket_may_call_from_it_and_only_by_post_with_csrf(
    twilio: Twilio,
    number: PhoneNumber,
    team: Team,
    other_team: Team,
    online_agent: Callable[..., Agent],
    provider_api: FakeProvider,
    client_for: Any,
) -> None:
    ticket = phone_ticket(twilio)
    outsider = online_agent(other_team, phone="+4917600000001")
    viewer = AgentFactory.create(role=Role.VIEWER, teams=[team])
    insider = online_agent(team, phone=AGENT_PHONE)

    assert click(client_for(outsider), ticket).status_code == 404
    assert click(client_for(viewer), ticket).status_code == 403
    assert client_for(insider).get(f"/phone/tickets/{ticket.pk}/call/").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(insider.user)
    assert click(strict, ticket).status_code == 403
    assert click(Client(), ticket).status_code == 302  # to the sign-in
    assert not provider_api.seen


def test_the_workspace_shows_call_buttons_beside_the_phone_identity_and_in_a_phone_tickets_header(
    twilio: Twilio, number: PhoneNumber, caller_agent: Agent, client_for: Any
) -> None:
    ticket = phone_ticket(twilio)

    page = client_for(caller_agent).get(f"/agent/t/{ticket.pk}/", follow=True).content.decode()

    assert page.count(f'hx-post="/phone/tickets/{ticket.pk}/call/"') == 2
    assert 'value="+4915123456789"' in page
    assert "Anrufen" in page and "+49 1512 3456789" in page
