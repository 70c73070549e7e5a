"""Recordings fetched from the provider's REST API with the number's credentials onto the call's
message, served only through the hub's access-checked view; transcripts when they come."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from channels_phone.calls import sync
from channels_phone.models import Call, FetchState, PhoneNumber, Recording
from channels_phone.tasks import sweep
from channels_phone.tests.conftest import ACCOUNT, CALLER, OUR_NUMBER, TOKEN, FakeProvider, Twilio, call_params, sid
from channels_phone.tests.test_call_progress import STATUS, VOICE, status_params
from hub.models import Agent, Attachment, Message, Team

pytestmark = pytest.mark.django_db(transaction=True)

RECORDING = "/phone/twilio/recording/"
AUDIO = b"ID3\x03\x00\x00\x00" + bytes(range(256)) * 8  # an MP3 as far as anyone here can tell


def recording_params(call_sid: str, recording_sid: str, **more: str) -> dict[str, str]:
    """The recording status callback of a <Record> verb (recorded, ids replaced)."""
    params = {
        "AccountSid": ACCOUNT,
        "CallSid": call_sid,
        "ErrorCode": "0",
        "RecordingChannels": "1",
        "RecordingDuration": "14",
        "RecordingSid": recording_sid,
        "RecordingSource": "RecordVerb",
        "RecordingStartTime": "Fri, 04 Dec 2026 18:00:05 +0000",
        "RecordingStatus": "completed",
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{recording_sid}",
    }
    params.update(more)
    return params


def transcription_params(call_sid: str, recording_sid: str, text: str) -> dict[str, str]:
    """The transcribeCallback request (recorded, ids replaced)."""
    return {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "CallStatus": "completed",
        "Called": OUR_NUMBER,
        "Caller": CALLER,
        "Direction": "inbound",
        "From": CALLER,
        "To": OUR_NUMBER,
        "RecordingSid": recording_sid,
        "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Recordings/{recording_sid}",
        "TranscriptionSid": sid("TR", 1),
        "TranscriptionStatus": "completed",
        "TranscriptionText": text,
        "TranscriptionType": "fast",
        "TranscriptionUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Transcriptions/{sid('TR', 1)}",
        "url": "https://hub.example.com/phone/twilio/recording/",
    }


def recording_path(recording_sid: str) -> str:
    return f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{recording_sid}.mp3"


@pytest.fixture
def voicemail(twilio: Twilio, number: PhoneNumber) -> str:
    """A call nobody took, ended: the caller left a voicemail."""
    call_sid = sid("CA", 40)
    twilio.post(VOICE, call_params(call_sid))
    twilio.post(STATUS, status_params(call_sid, "completed", 3, CallDuration="20"))
    return call_sid


def test_a_recording_is_fetched_with_the_numbers_credentials_onto_the_call_message_once(
    twilio: Twilio, provider_api: FakeProvider, voicemail: str
) -> None:
    recording_sid = sid("RE", 1)
    provider_api.on("GET", recording_path(recording_sid), (200, {"Content-Type": "audio/mpeg"}, AUDIO))

    first = twilio.post(RECORDING, recording_params(voicemail, recording_sid))
    again = twilio.post(RECORDING, recording_params(voicemail, recording_sid))

    assert (first.status_code, again.status_code) == (200, 200)
    fetched = provider_api.requests("GET")
    assert len(fetched) == 1
    assert fetched[0].basic_auth == (ACCOUNT, TOKEN)
    message = Message.objects.get(channel="phone", external_id=voicemail)
    attachment = Attachment.objects.get(message=message)
    assert attachment.content_type == "audio/mpeg"
    assert attachment.file.read() == AUDIO
    assert message.metadata["outcome"] == "voicemail"
    assert message.metadata["recording"] is True


def test_a_recording_is_served_only_to_agents_who_may_see_the_ticket(
    twilio: Twilio,
    provider_api: FakeProvider,
    voicemail: str,
    agent: Agent,
    other_team: Team,
    client_for: Callable[[Agent], Client],
) -> None:
    from hub.tests.factories import AgentFactory

    recording_sid = sid("RE", 2)
    provider_api.on("GET", recording_path(recording_sid), (200, {"Content-Type": "audio/mpeg"}, AUDIO))
    twilio.post(RECORDING, recording_params(voicemail, recording_sid))
    attachment = Attachment.objects.get()
    url = f"/api/v1/attachments/{attachment.pk}/download/"
    outsider = AgentFactory.create(teams=[other_team])

    allowed = client_for(agent).get(url)
    refused = client_for(outsider).get(url)
    anonymous = Client().get(url)
    public = Client().get(f"/media/{attachment.file.name}")

    assert allowed.status_code == 200
    assert b"".join(allowed.streaming_content) == AUDIO  # type: ignore[attr-defined]
    assert refused.status_code == 404
    assert anonymous.status_code in (401, 403)
    assert public.status_code == 404


def test_the_transcript_becomes_the_call_messages_text_when_it_comes(
    twilio: Twilio, provider_api: FakeProvider, voicemail: str
) -> None:
    recording_sid = sid("RE", 3)
    provider_api.on("GET", recording_path(recording_sid), (200, {"Content-Type": "audio/mpeg"}, AUDIO))
    twilio.post(RECORDING, recording_params(voicemail, recording_sid))
    text = "Hallo, hier ist Peter Braun, mein Router verliert abends die Verbindung. Bitte rufen Sie mich zurück."

    twilio.post(RECORDING, transcription_params(voicemail, recording_sid, text))
    twilio.post(RECORDING, transcription_params(voicemail, recording_sid, text))

    message = Message.objects.get(channel="phone", external_id=voicemail)
    assert message.text == text
    assert message.metadata["transcribed"] is True
    assert Attachment.objects.count() == 1


def test_a_recording_the_provider_cannot_give_yet_is_fetched_again_later(
    twilio: Twilio, provider_api: FakeProvider, voicemail: str
) -> None:
    recording_sid = sid("RE", 4)
    provider_api.on("GET", recording_path(recording_sid), (503, {}, b'{"code": 20500, "message": "busy"}'))

    twilio.post(RECORDING, recording_params(voicemail, recording_sid))

    recording = Recording.objects.get()
    assert (recording.state, recording.attempts) == (FetchState.PENDING, 1)
    assert recording.next_attempt_at is not None
    assert "503" in recording.error
    Recording.objects.filter(pk=recording.pk).update(next_attempt_at=None)
    provider_api.on("GET", recording_path(recording_sid), (200, {"Content-Type": "audio/mpeg"}, AUDIO))

    sync(Call.objects.get().pk)

    assert Recording.objects.get().state == FetchState.DONE
    assert Attachment.objects.get().file.read() == AUDIO


def test_a_recording_callback_about_no_call_of_ours_is_refused(
    twilio: Twilio, number: PhoneNumber, provider_api: FakeProvider
) -> None:
    response = twilio.post(RECORDING, recording_params(sid("CA", 49), sid("RE", 9)))

    assert response.status_code == 403
    assert not Recording.objects.exists()
    assert not provider_api.seen


def test_the_sweep_fetches_a_recording_whose_retry_is_due(
    twilio: Twilio, provider_api: FakeProvider, voicemail: str
) -> None:
    recording_sid = sid("RE", 5)
    provider_api.on("GET", recording_path(recording_sid), (500, {}, b""))
    twilio.post(RECORDING, recording_params(voicemail, recording_sid))
    provider_api.on("GET", recording_path(recording_sid), (200, {"Content-Type": "audio/mpeg"}, AUDIO))
    Recording.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    assert sweep() >= 1

    assert Recording.objects.get().state == FetchState.DONE
    assert Attachment.objects.count() == 1
