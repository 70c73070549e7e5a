"""The generic telephony webhook (sipgate.io style): HMAC over a timestamp, XML answers, the same
calls, recordings and texts as Twilio's under its own prefix."""

from __future__ import annotations

import logging
from collections.abc import Callable
from xml.etree import ElementTree

import pytest

from channels_phone.models import Call, PhoneNumber
from channels_phone.tests.conftest import CALLER, GENERIC_NUMBER, FakeProvider, Generic
from hub.actions import do_reply
from hub.models import Agent, Attachment, DeliveryStatus, EventKind, InboundEvent, Message, Team, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)

VOICE, STATUS, RECORDING = "/phone/generic/voice/", "/phone/generic/status/", "/phone/generic/recording/"
SMS, SMS_STATUS = "/phone/generic/sms/", "/phone/generic/sms-status/"


def new_call(call_id: str = "8f4e1a2b-call") -> dict[str, str]:
    return {"event": "newCall", "direction": "in", "callId": call_id, "from": CALLER, "to": GENERIC_NUMBER}


def xml(response: object) -> ElementTree.Element:
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    return ElementTree.fromstring(response.content)  # type: ignore[attr-defined]  # noqa: S314 - our own answer


def test_a_signed_new_call_is_answered_with_xml_and_becomes_a_call_on_a_ticket(
    generic_provider: Generic, generic_number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    online_agent(team, phone="+4930222222")

    root = xml(generic_provider.post(VOICE, new_call()))

    assert root.get("onHangup") == "https://hub.example.com/phone/generic/status/"
    assert [child.tag for child in root] == ["Say", "Dial"]
    assert [n.text for n in root.iter("Number")] == ["+4930222222"]
    message = Message.objects.get(channel="phone")
    assert message.external_id == "generic:8f4e1a2b-call"
    assert message.ticket.customer.identities.get().value == CALLER


@pytest.mark.parametrize("how", ["six minutes old", "wrong secret"])
def test_an_old_or_wrongly_signed_request_is_refused_and_nothing_is_stored(
    generic_provider: Generic, generic_number: PhoneNumber, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    kwargs = {"six minutes old": {"age": 360}, "wrong secret": {"secret": "guessed"}}[how]

    with caplog.at_level(logging.WARNING, logger="channels_phone.views"):
        response = generic_provider.post(VOICE, new_call(), **kwargs)  # type: ignore[arg-type]

    assert response.status_code == 403
    assert not Call.objects.exists() and not InboundEvent.objects.exists()
    assert "refused (403)" in caplog.text


def test_an_unsigned_request_is_refused(generic_provider: Generic, generic_number: PhoneNumber) -> None:
    response = generic_provider.client.post(VOICE, new_call())

    assert response.status_code == 403
    assert not Call.objects.exists()


def test_hangup_without_an_answer_is_a_missed_call_with_a_callback_due(
    generic_provider: Generic, generic_number: PhoneNumber
) -> None:
    generic_provider.post(VOICE, new_call())

    generic_provider.post(STATUS, {"event": "hangup", "callId": "8f4e1a2b-call", "cause": "cancel"})
    generic_provider.post(STATUS, {"event": "hangup", "callId": "8f4e1a2b-call", "cause": "cancel"})

    assert Call.objects.get().status == "canceled"
    message = Message.objects.get(channel="phone")
    assert message.metadata["outcome"] == "missed"
    assert TicketEvent.objects.filter(kind=EventKind.CALLBACK_DUE).count() == 1


def test_an_answer_on_an_agents_line_gives_them_the_call(
    generic_provider: Generic, generic_number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    agent = online_agent(team, phone="+4930222222")
    generic_provider.post(VOICE, new_call())

    generic_provider.post(STATUS, {"event": "answer", "callId": "8f4e1a2b-call", "answeringNumber": "+4930222222"})
    generic_provider.post(STATUS, {"event": "hangup", "callId": "8f4e1a2b-call", "cause": "normalClearing"})

    assert Call.objects.get().answered_by_id == agent.pk
    assert Message.objects.get(channel="phone").metadata["outcome"] == "answered"


def test_a_recording_is_fetched_from_the_providers_api_only(
    generic_provider: Generic, generic_number: PhoneNumber, provider_api: FakeProvider
) -> None:
    provider_api.on("GET", "/v2/recordings/rec-1", (200, {"Content-Type": "audio/wav"}, b"RIFF....WAVEfmt "))
    generic_provider.post(VOICE, new_call())
    generic_provider.post(STATUS, {"event": "hangup", "callId": "8f4e1a2b-call", "cause": "normalClearing"})

    url = f"{provider_api.url}/v2/recordings/rec-1"
    generic_provider.post(
        RECORDING, {"event": "recording", "callId": "8f4e1a2b-call", "recordingId": "rec-1", "url": url}
    )

    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type) == ("rec-1.wav", "audio/wav")
    assert provider_api.requests("GET")[0].basic_auth == ("token-id", "generic-api-token")


def test_texts_come_in_and_replies_go_out_over_the_generic_rest_api_with_delivery_reports(
    generic_provider: Generic, generic_number: PhoneNumber, provider_api: FakeProvider, agent: Agent
) -> None:
    provider_api.on("POST", "/v2/sessions/sms", (200, {"Content-Type": "application/json"}, b'{"id": "out-77"}'))
    generic_provider.post(SMS, {"event": "sms", "id": "in-1", "from": CALLER, "to": GENERIC_NUMBER, "text": "Hallo"})
    ticket = Message.objects.get(channel="sms").ticket

    reply = do_reply(ticket, agent=agent, text="Guten Tag!")
    generic_provider.post(
        f"{SMS_STATUS}?message={reply.pk}", {"event": "smsStatus", "id": "out-77", "status": "delivered"}
    )

    (sent,) = provider_api.requests("POST")
    assert sent.json == {
        "smsId": GENERIC_NUMBER,
        "recipient": CALLER,
        "message": "Guten Tag!",
        "callbackUrl": f"https://hub.example.com/phone/generic/sms-status/?message={reply.pk}",
    }
    assert sent.basic_auth == ("token-id", "generic-api-token")
    reply.refresh_from_db()
    assert reply.external_id == "generic:out-77"
    assert reply.delivery_status == DeliveryStatus.DELIVERED


def test_a_malformed_event_is_refused_with_400(generic_provider: Generic, generic_number: PhoneNumber) -> None:
    response = generic_provider.post(VOICE, {"event": "newCall", "from": CALLER, "to": GENERIC_NUMBER})

    assert response.status_code == 400
    assert not Call.objects.exists()
