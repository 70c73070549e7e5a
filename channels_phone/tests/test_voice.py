"""Inbound calls over Twilio's voice webhook: signatures, TwiML, the call record and its ticket."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.utils import timezone
from twilio.request_validator import RequestValidator

from channels_phone.models import Call, CallState, PhoneNumber
from channels_phone.tests.conftest import CALLER, OUR_NUMBER, Twilio, call_params, sid
from hub.models import (
    Agent,
    BusinessCalendar,
    Customer,
    Identity,
    IdentityKind,
    InboundEvent,
    Message,
    MessageKind,
    Team,
    Ticket,
)
from hub.models.teams import Presence
from hub.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

VOICE = "/phone/twilio/voice/"


def twiml(response: object) -> ElementTree.Element:
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    assert response["Content-Type"].startswith("text/xml")  # type: ignore[index]
    return ElementTree.fromstring(response.content)  # type: ignore[attr-defined]  # noqa: S314 - our own answer


def test_a_call_from_a_known_number_joins_its_customer_and_rings_the_longest_idle_agent_after_the_greeting(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    customer = CustomerFactory.create(display_name="Peter Braun")
    Identity.objects.create(customer=customer, kind=IdentityKind.PHONE, value=CALLER)
    busy_lately = online_agent(team, phone="+4930111111")
    idle_longest = online_agent(team, phone="+4930222222")
    Call.objects.create(
        number=number, provider="twilio", call_sid=sid("CA", 900), from_number="+4930999", to_number=OUR_NUMBER,
        status=CallState.COMPLETED, answered_by=busy_lately, ended_at=timezone.now() - timedelta(minutes=2),
    )  # fmt: skip
    Call.objects.create(
        number=number, provider="twilio", call_sid=sid("CA", 901), from_number="+4930999", to_number=OUR_NUMBER,
        status=CallState.COMPLETED, answered_by=idle_longest, ended_at=timezone.now() - timedelta(hours=2),
    )  # fmt: skip

    root = twiml(twilio.post(VOICE, call_params(sid("CA", 1))))

    assert [child.tag for child in root] == ["Say", "Dial"]
    assert root[0].text == "Willkommen beim Support."
    dial = root[1]
    assert [n.text for n in dial.findall("Number")] == ["+4930222222"]
    assert dial.get("action") == f"https://hub.example.com/phone/twilio/dial/?agent={idle_longest.pk}"
    call = Call.objects.get(call_sid=sid("CA", 1))
    assert call.dialed == [idle_longest.pk]
    message = Message.objects.get(channel="phone", external_id=sid("CA", 1))
    assert message.kind == MessageKind.CALL
    assert message.ticket.customer_id == customer.pk
    assert message.ticket.team_id == team.pk
    assert message.metadata["from"] == CALLER


def test_a_call_from_an_unknown_number_makes_a_customer_with_that_phone_identity(
    twilio: Twilio, number: PhoneNumber
) -> None:
    twilio.post(VOICE, call_params(sid("CA", 2)))

    identity = Identity.objects.get(kind=IdentityKind.PHONE, value=CALLER)
    assert Ticket.objects.get().customer_id == identity.customer_id
    assert Ticket.objects.get().origin_channel == "phone"


def test_with_nobody_online_the_caller_reaches_the_voicemail(twilio: Twilio, number: PhoneNumber) -> None:
    root = twiml(twilio.post(VOICE, call_params(sid("CA", 3))))

    assert [child.tag for child in root] == ["Say", "Say", "Record", "Hangup"]
    record = root[2]
    assert record.get("maxLength") == "120"
    assert record.get("recordingStatusCallback") == "https://hub.example.com/phone/twilio/recording/"
    assert record.get("transcribe") == "true"
    assert record.get("action") == "https://hub.example.com/phone/twilio/dial/?recorded=1"
    assert Call.objects.get().voicemail


def test_outside_business_hours_the_caller_hears_that_we_are_closed_and_reaches_the_voicemail(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    online_agent(team, phone="+4930222222")
    # Open one hour on a day that is not today (a minute on Sundays had the call answered in that
    # minute, every Sunday just after midnight).
    day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[(timezone.localdate() + timedelta(days=2)).weekday()]
    team.calendar = BusinessCalendar.objects.create(name="Support", hours={day: [["08:00", "09:00"]]})
    team.save()

    root = twiml(twilio.post(VOICE, call_params(sid("CA", 4))))

    assert root[0].text == "Wir sind gerade nicht erreichbar."
    assert "Record" in [child.tag for child in root]
    assert root.find("Dial") is None


def test_on_a_holiday_of_the_team_s_calendar_the_caller_reaches_the_voicemail_though_an_agent_is_free(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    online_agent(team, phone="+4930222222")
    today = timezone.now().astimezone(ZoneInfo("Europe/Berlin")).date().isoformat()
    every_day = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    team.calendar = BusinessCalendar.objects.create(
        name="Support", time_zone="Europe/Berlin", hours=every_day, holidays=[{"date": today, "name": "Betriebsfeier"}]
    )
    team.save()

    root = twiml(twilio.post(VOICE, call_params(sid("CA", 40))))

    assert root[0].text == "Wir sind gerade nicht erreichbar."
    assert root.find("Dial") is None and root.find("Record") is not None
    assert Call.objects.get().voicemail


def test_a_number_with_hours_of_its_own_takes_calls_when_its_team_is_closed(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    online_agent(team, phone="+4930222222")
    team.calendar = BusinessCalendar.objects.create(name="Support", hours={"sun": [["00:00", "00:01"]]})
    team.save()
    every_day = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    number.calendar = BusinessCalendar.objects.create(name="Hotline", hours=every_day)
    number.save()

    root = twiml(twilio.post(VOICE, call_params(sid("CA", 41))))

    assert root.find("Dial") is not None


def test_without_voicemail_the_caller_is_told_to_call_again(twilio: Twilio, number: PhoneNumber) -> None:
    number.voicemail = False
    number.save()

    root = twiml(twilio.post(VOICE, call_params(sid("CA", 5))))

    assert [child.tag for child in root] == ["Say", "Say", "Hangup"]


def test_a_replayed_voice_request_is_one_call_one_event_one_message_and_the_same_answer(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    online_agent(team, phone="+4930222222")
    params = call_params(sid("CA", 6))

    first = twilio.post(VOICE, params).content
    again = twilio.post(VOICE, params).content

    assert first == again
    assert Call.objects.count() == 1
    assert InboundEvent.objects.filter(channel="phone").count() == 1
    assert Message.objects.filter(channel="phone").count() == 1


@pytest.mark.parametrize(
    "how",
    ["unsigned", "wrong token", "other URL", "changed parameter"],
)
def test_a_forged_or_unsigned_voice_request_is_refused_and_nothing_is_stored(
    twilio: Twilio, number: PhoneNumber, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    params = call_params(sid("CA", 7))
    signature = {
        "unsigned": "",
        "wrong token": twilio.signature(VOICE, params, token="not-the-token"),
        "other URL": twilio.signature("/phone/twilio/status/", params),
        "changed parameter": twilio.signature(VOICE, {**params, "From": "+4917000000000"}),
    }[how]

    with caplog.at_level(logging.WARNING, logger="channels_phone.views"):
        response = twilio.post(VOICE, params, signature=signature)

    assert response.status_code == 403
    assert (Call.objects.count(), InboundEvent.objects.count(), Customer.objects.count()) == (0, 0, 0)
    assert any("refused (403)" in r.getMessage() and OUR_NUMBER in r.getMessage() for r in caplog.records)


def test_a_call_to_a_number_we_do_not_have_is_refused(
    twilio: Twilio, number: PhoneNumber, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="channels_phone.views"):
        response = twilio.post(VOICE, call_params(sid("CA", 8), To="+4989123456", Called="+4989123456"))

    assert response.status_code == 403
    assert Call.objects.count() == 0
    assert "names no number of ours" in caplog.text


def test_behind_a_trusted_proxy_the_forwarded_public_url_is_what_twilio_signed(
    twilio: Twilio, number: PhoneNumber
) -> None:
    params = call_params(sid("CA", 9))
    signature = RequestValidator(number.auth_token).compute_signature(f"https://phone.example.org{VOICE}", params)

    with override_settings(TRUSTED_PROXIES=["127.0.0.1/32"]):
        response = twilio.post(
            VOICE,
            params,
            signature=signature,
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_X_FORWARDED_HOST="phone.example.org",
        )
    untrusted = twilio.post(
        VOICE, params, signature=signature, HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_HOST="phone.example.org"
    )

    assert response.status_code == 200
    assert untrusted.status_code == 403


def test_an_anonymous_caller_is_a_customer_of_their_own(twilio: Twilio, number: PhoneNumber) -> None:
    twilio.post(VOICE, call_params(sid("CA", 10), From="anonymous", Caller="anonymous"))
    twilio.post(VOICE, call_params(sid("CA", 11), From="anonymous", Caller="anonymous"))

    assert Ticket.objects.count() == 2
    assert Customer.objects.count() == 2


def test_an_agent_who_is_away_or_on_a_call_is_not_rung(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    away = online_agent(team, phone="+4930111111")
    away.presence = Presence.AWAY
    away.save()
    talking = online_agent(team, phone="+4930222222")
    Call.objects.create(
        number=number, provider="twilio", call_sid=sid("CA", 902), from_number="+4930999", to_number=OUR_NUMBER,
        status=CallState.IN_PROGRESS, answered_by=talking,
    )  # fmt: skip
    free = online_agent(team, client="agent-anna")

    root = twiml(twilio.post(VOICE, call_params(sid("CA", 12))))

    assert [c.text for c in root.find("Dial")] == ["agent-anna"]  # type: ignore[union-attr]
    assert Call.objects.get(call_sid=sid("CA", 12)).dialed == [free.pk]


def test_an_agent_whose_last_call_never_reported_its_end_is_rung_again_after_some_hours(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    agent = online_agent(team, phone="+4930222222")
    Call.objects.create(
        number=number, provider="twilio", call_sid=sid("CA", 903), from_number="+4930999", to_number=OUR_NUMBER,
        status=CallState.IN_PROGRESS, answered_by=agent, started_at=timezone.now() - timedelta(hours=5),
    )  # fmt: skip

    root = twiml(twilio.post(VOICE, call_params(sid("CA", 13))))

    assert [n.text for n in root.iter("Number")] == ["+4930222222"]
