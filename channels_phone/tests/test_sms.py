"""Texts in and out: threading within a window, MMS media, replies over the provider's REST API,
delivery reports, STOP and START, and phone tickets answered by SMS."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from channels_phone.models import InboundMms, PhoneNumber
from channels_phone.tests.conftest import (
    ACCOUNT,
    CALLER,
    OUR_NUMBER,
    TOKEN,
    FakeProvider,
    Twilio,
    call_params,
    sid,
    sms_params,
)
from channels_phone.tests.test_call_progress import VOICE
from channels_phone.texts import fetch
from hub.actions import ChannelUnavailable, do_record_delivery_report, do_reply
from hub.adapters import get_adapter
from hub.models import (
    Agent,
    Attachment,
    DeliveryStatus,
    EventKind,
    Identity,
    IdentityKind,
    InboundEvent,
    Message,
    Ticket,
    TicketEvent,
)
from hub.replies import reply_route

pytestmark = pytest.mark.django_db(transaction=True)

SMS, SMS_STATUS = "/phone/twilio/sms/", "/phone/twilio/sms-status/"
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


def accepted(n: int) -> tuple[int, dict[str, str], bytes]:
    """Twilio's answer to a new message (abridged)."""
    body = {"sid": sid("SM", 0x5000 + n), "status": "queued", "account_sid": ACCOUNT, "num_segments": "1"}
    return 201, {"Content-Type": "application/json"}, json.dumps(body).encode()


def status_params(message_sid: str, status: str, **more: str) -> dict[str, str]:
    """A message status callback (recorded, ids replaced)."""
    params = {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "From": OUR_NUMBER,
        "MessageSid": message_sid,
        "MessageStatus": status,
        "SmsSid": message_sid,
        "SmsStatus": status,
        "To": CALLER,
    }
    params.update(more)
    return params


def sms_ticket(twilio: Twilio, n: int = 1, body: str = "Kann der Techniker auch Freitag kommen?") -> Ticket:
    assert twilio.post(SMS, sms_params(sid("SM", n), body)).status_code == 200
    return Message.objects.get(channel="sms", external_id=sid("SM", n)).ticket


def test_a_text_within_seven_days_joins_the_open_sms_ticket_and_a_later_one_opens_a_new_one(
    twilio: Twilio, number: PhoneNumber
) -> None:
    first = sms_ticket(twilio, 1)
    second = sms_ticket(twilio, 2, "Freitag passt mir gut.")
    Ticket.objects.filter(pk=first.pk).update(last_activity_at=timezone.now() - timedelta(days=8))
    third = sms_ticket(twilio, 3, "Und nächste Woche?")

    assert second.pk == first.pk
    assert third.pk != first.pk
    assert first.origin_channel == "sms"
    assert first.team_id == number.team_id


def test_a_replayed_text_is_one_message(twilio: Twilio, number: PhoneNumber) -> None:
    params = sms_params(sid("SM", 4), "Hallo?")

    twilio.post(SMS, params)
    twilio.post(SMS, params)

    assert InboundEvent.objects.filter(channel="sms").count() == 1
    assert Message.objects.filter(channel="sms").count() == 1


def test_a_forged_text_is_refused_and_nothing_is_stored(twilio: Twilio, number: PhoneNumber) -> None:
    params = sms_params(sid("SM", 5), "STOP")

    response = twilio.post(SMS, params, signature=twilio.signature(SMS, params, token="guessed"))

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_mms_media_are_fetched_with_the_numbers_credentials_and_become_attachments(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider
) -> None:
    media = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid('MM', 1)}/Media/{sid('ME', 1)}"
    provider_api.on("GET", media, (200, {"Content-Type": "image/jpeg"}, b"\xff\xd8\xff\xe0JFIF-router-photo"))
    params = sms_params(
        sid("MM", 1),
        "Hier ein Foto vom Router",
        NumMedia="2",
        MediaUrl0=provider_api.url + media,
        MediaContentType0="image/jpeg",
        MediaUrl1="https://media.example.net/steal-credentials",
        MediaContentType1="image/png",
    )

    twilio.post(SMS, params)

    message = Message.objects.get(channel="sms")
    attachment = Attachment.objects.get(message=message)
    assert attachment.content_type == "image/jpeg"
    assert attachment.file.read() == b"\xff\xd8\xff\xe0JFIF-router-photo"
    fetched = provider_api.requests("GET")
    assert [s.path for s in fetched] == [media]
    assert fetched[0].basic_auth == (ACCOUNT, TOKEN)
    assert "media not received: https://media.example.net/steal-credentials" in message.text


def test_an_agents_reply_goes_out_through_the_providers_rest_api_with_a_status_callback(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider, agent: Agent
) -> None:
    provider_api.on("POST", MESSAGES, accepted(1))
    ticket = sms_ticket(twilio)

    reply = do_reply(ticket, agent=agent, text="Freitag zwischen 8 und 12 Uhr passt. Grüße, Ihr Service 👍")

    reply.refresh_from_db()
    assert reply.channel == "sms"
    assert reply.delivery_status == DeliveryStatus.SENT, reply.delivery_error
    assert reply.external_id == sid("SM", 0x5001)
    (sent,) = provider_api.requests("POST", MESSAGES)
    assert sent.basic_auth == (ACCOUNT, TOKEN)
    assert sent.form == {
        "To": CALLER,
        "From": OUR_NUMBER,
        "Body": "Freitag zwischen 8 und 12 Uhr passt. Grüße, Ihr Service 👍",
        "StatusCallback": f"https://hub.example.com/phone/twilio/sms-status/?message={reply.pk}",
    }


def test_delivery_reports_move_the_reply_forward_and_a_late_one_changes_nothing(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider, agent: Agent
) -> None:
    provider_api.on("POST", MESSAGES, accepted(2))
    reply = do_reply(sms_ticket(twilio), agent=agent, text="Passt.")
    path = f"{SMS_STATUS}?message={reply.pk}"
    message_sid = sid("SM", 0x5002)

    for status in ("sent", "delivered", "sent", "queued"):
        assert twilio.post(path, status_params(message_sid, status)).status_code == 200

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.DELIVERED


def test_a_failed_delivery_shows_the_providers_error_code_to_the_agent(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider, agent: Agent
) -> None:
    provider_api.on("POST", MESSAGES, accepted(3))
    reply = do_reply(sms_ticket(twilio), agent=agent, text="Passt.")

    twilio.post(
        f"{SMS_STATUS}?message={reply.pk}",
        status_params(sid("SM", 0x5003), "undelivered", ErrorCode="30006", ErrorMessage="Landline or unreachable"),
    )

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert reply.delivery_error == "twilio error 30006: Landline or unreachable"
    assert TicketEvent.objects.filter(ticket=reply.ticket, kind=EventKind.DELIVERY_FAILED).count() == 1


def test_a_delivery_report_for_another_message_or_forged_changes_nothing(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider, agent: Agent
) -> None:
    provider_api.on("POST", MESSAGES, accepted(4))
    reply = do_reply(sms_ticket(twilio), agent=agent, text="Passt.")
    path = f"{SMS_STATUS}?message={reply.pk}"

    other = twilio.post(path, status_params(sid("SM", 0x9999), "failed"))
    forged = twilio.post(path, status_params(sid("SM", 0x5004), "failed"), signature="bm9wZQ==")

    assert (other.status_code, forged.status_code) == (403, 403)
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT


def test_a_report_before_the_send_is_recorded_waits_for_it(twilio: Twilio, number: PhoneNumber, agent: Agent) -> None:
    ticket = sms_ticket(twilio)
    sending = Message.objects.create(
        ticket=ticket, channel="sms", direction="out", text="Passt.", delivery_status=DeliveryStatus.SENDING
    )

    assert do_record_delivery_report(message_id=sending.pk, status="delivered") == "early"
    sending.refresh_from_db()
    assert sending.delivery_status == DeliveryStatus.SENDING


def test_a_provider_that_refuses_the_number_fails_the_reply_without_retries(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider, agent: Agent
) -> None:
    refusal = {"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": 400}
    provider_api.on("POST", MESSAGES, (400, {"Content-Type": "application/json"}, json.dumps(refusal).encode()))

    reply = do_reply(sms_ticket(twilio), agent=agent, text="Passt.")

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "21211" in reply.delivery_error
    assert len(provider_api.requests("POST")) == 1


def test_stop_keeps_every_text_from_the_customer_and_the_agent_sees_why_until_start(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider, agent: Agent
) -> None:
    provider_api.on("POST", MESSAGES, accepted(5))
    ticket = sms_ticket(twilio)
    sms = get_adapter("sms")

    twilio.post(SMS, sms_params(sid("SM", 20), "Stop"))
    usable, reason = sms.can_reply(ticket.pk)
    with pytest.raises(ChannelUnavailable):
        do_reply(ticket, agent=agent, text="Schade!", channel="sms")
    twilio.post(SMS, sms_params(sid("SM", 21), "START"))
    usable_again, _ = sms.can_reply(ticket.pk)

    assert not usable
    assert reason.startswith("+49 1512 3456789 hat SMS abbestellt („Stop“")
    assert usable_again
    assert not provider_api.requests("POST")
    assert Message.objects.get(external_id=sid("SM", 20)).metadata["opt_out"] == "stop"


def test_a_replayed_old_stop_after_start_changes_nothing(twilio: Twilio, number: PhoneNumber) -> None:
    ticket = sms_ticket(twilio)
    stop = sms_params(sid("SM", 22), "STOP")
    twilio.post(SMS, stop)
    twilio.post(SMS, sms_params(sid("SM", 23), "START"))

    twilio.post(SMS, stop)

    assert get_adapter("sms").can_reply(ticket.pk)[0]


def test_a_call_from_a_mobile_is_answered_by_sms_and_the_customers_answer_joins_that_ticket(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider, agent: Agent
) -> None:
    provider_api.on("POST", MESSAGES, accepted(6))
    twilio.post(VOICE, call_params(sid("CA", 60)))
    ticket = Message.objects.get(channel="phone").ticket

    route = reply_route(ticket)
    reply = do_reply(ticket, agent=agent, text="Wir haben Ihren Anruf verpasst. Wann passt ein Rückruf?")
    answer = sms_ticket(twilio, 61, "Ab 15 Uhr, danke!")

    assert (route.channel, route.instead_of, route.recipient) == ("sms", "phone", CALLER)
    assert reply.channel == "sms"
    assert answer.pk == ticket.pk


def test_a_call_from_a_landline_cannot_be_answered_by_sms_and_says_why(twilio: Twilio, number: PhoneNumber) -> None:
    twilio.post(VOICE, call_params(sid("CA", 62), From="+4930901820111", Caller="+4930901820111"))
    ticket = Message.objects.get(channel="phone").ticket

    route = reply_route(ticket)

    assert not route.usable
    assert "Keine Mobilnummer: +49 30 901820111 empfängt keine SMS" in route.reason


def test_a_text_to_a_number_with_sms_switched_off_is_not_received(twilio: Twilio, number: PhoneNumber) -> None:
    number.sms = False
    number.save()

    response = twilio.post(SMS, sms_params(sid("SM", 30), "Hallo"))

    assert response.status_code == 200
    assert not InboundEvent.objects.exists()


@override_settings(PHONE_SMS_THREAD_DAYS=1)
def test_the_threading_window_is_a_setting(twilio: Twilio, number: PhoneNumber) -> None:
    first = sms_ticket(twilio, 31)
    Ticket.objects.filter(pk=first.pk).update(last_activity_at=timezone.now() - timedelta(days=2))

    assert sms_ticket(twilio, 32).pk != first.pk


def test_mms_media_the_provider_cannot_give_yet_are_fetched_again_before_the_text_is_received(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider
) -> None:
    media = f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid('MM', 2)}/Media/{sid('ME', 2)}"
    provider_api.on("GET", media, (503, {}, b""))
    params = sms_params(
        sid("MM", 2), "Foto", NumMedia="1", MediaUrl0=provider_api.url + media, MediaContentType0="image/png"
    )

    twilio.post(SMS, params)
    twilio.post(SMS, params)
    waiting = InboundMms.objects.get()
    provider_api.on("GET", media, (200, {"Content-Type": "image/png"}, b"\x89PNG-photo"))
    received = fetch(waiting.pk)

    assert (waiting.state, waiting.attempts, waiting.next_attempt_at is not None) == ("pending", 1, True)
    assert received == "received"
    assert Attachment.objects.get().file.read() == b"\x89PNG-photo"
    assert Message.objects.get(channel="sms").text == "Foto"
    assert fetch(waiting.pk) == "skipped"


def test_a_customer_who_texted_stop_is_answered_by_email_if_they_have_an_address(
    twilio: Twilio, number: PhoneNumber
) -> None:
    ticket = sms_ticket(twilio)
    Identity.objects.create(customer=ticket.customer, kind=IdentityKind.EMAIL, value="lukas@kunde.example")
    twilio.post(SMS, sms_params(sid("SM", 40), "STOP"))

    route = reply_route(ticket)

    assert (route.usable, route.channel, route.instead_of) == (True, "email", "sms")
    assert route.recipient == "lukas@kunde.example"
