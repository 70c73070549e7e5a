"""What an agent sees of a call in the ticket's timeline: how it ended, who took it, the
recording in a player served through the access-checked download, and when the callback is due."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from django.test import Client, override_settings
from django.utils import formats, translation
from django.utils.timezone import localtime

from channels_phone.models import PhoneNumber
from channels_phone.tests.conftest import FakeProvider, Twilio, call_params, sid
from channels_phone.tests.test_call_progress import DIAL, STATUS, VOICE, call_message, dial_params, status_params
from channels_phone.tests.test_recordings import AUDIO, RECORDING, recording_params, recording_path
from hub import events
from hub.models import Agent, Attachment, EventKind, Team, TicketEvent
from hub.tests.factories import AgentFactory, TicketFactory

pytestmark = pytest.mark.django_db(transaction=True)


def timeline(client: Client, ticket_id: int) -> str:
    return client.get(f"/agent/v/teams/t/{ticket_id}/").content.decode()


def test_a_voicemail_shows_its_recording_in_a_player_and_when_the_callback_is_due(
    twilio: Twilio,
    provider_api: FakeProvider,
    number: PhoneNumber,
    agent: Agent,
    client_for: Callable[[Agent], Client],
) -> None:
    call_sid = sid("CA", 0xCA1)
    twilio.post(VOICE, call_params(call_sid))
    twilio.post(STATUS, status_params(call_sid, "completed", 3, CallDuration="20"))
    recording_sid = sid("RE", 0xCA1)
    provider_api.on("GET", recording_path(recording_sid), (200, {"Content-Type": "audio/mpeg"}, AUDIO))
    twilio.post(RECORDING, recording_params(call_sid, recording_sid))
    message = call_message(call_sid)
    attachment = Attachment.objects.get(message=message)
    due = TicketEvent.objects.get(ticket=message.ticket, kind=EventKind.CALLBACK_DUE)

    with override_settings(LANGUAGE_CODE="en"):
        agent.language = "en"
        agent.save(update_fields=["language"])
        html = timeline(client_for(agent), message.ticket_id)

    url = f"/api/v1/attachments/{attachment.pk}/download/"
    assert f'<audio controls preload="none" src="{url}">' in html
    assert "Voicemail left" in html
    # Shown in the hub's time zone and the agent's language: "12/07/2026 3:05 p.m.", and on the
    # hour "3 p.m." (English drops zero minutes), so the expected text is formatted, not guessed.
    with translation.override("en"):
        when = formats.date_format(localtime(datetime.fromisoformat(due.data["due_at"])), "SHORT_DATETIME_FORMAT")
    assert f"Missed call: callback due by {when}" in html, due.data
    # The player's source plays in the browser rather than downloading.
    played = client_for(agent).get(url)
    assert played["Content-Type"] == "audio/mpeg" and "attachment" not in played.get("Content-Disposition", "")


def test_an_answered_call_names_the_agent_who_took_it(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent], client_for
) -> None:
    taker = online_agent(team, phone="+4930222222")
    taker.language = "en"
    taker.save(update_fields=["language"])
    call_sid = sid("CA", 0xCA2)
    twilio.post(VOICE, call_params(call_sid))
    twilio.post(f"{DIAL}?agent={taker.pk}", dial_params(call_sid, "completed"))
    twilio.post(STATUS, status_params(call_sid, "completed", 3, CallDuration="61"))

    html = timeline(client_for(taker), call_message(call_sid).ticket_id)

    assert f"Answered by {taker.name}" in html and "61 s" in html
    assert "<audio" not in html and "callback due" not in html


def test_a_busy_line_says_so(twilio: Twilio, number: PhoneNumber, agent: Agent, client_for) -> None:
    agent.language = "en"
    agent.save(update_fields=["language"])
    call_sid = sid("CA", 0xCA3)
    twilio.post(VOICE, call_params(call_sid))
    twilio.post(STATUS, status_params(call_sid, "busy", 3))

    html = timeline(client_for(agent), call_message(call_sid).ticket_id)

    assert '<p class="call-outcome">Busy</p>' in html


def test_the_callback_due_time_is_shown_in_the_hubs_time_zone_and_in_german(team: Team, client_for) -> None:
    ticket = TicketFactory.create(team=team)
    events.callback_due(ticket=ticket, message_id=0, due_at="2026-12-04T08:30:00+00:00", reason="missed")
    agent = AgentFactory.create(teams=[team], language="de")

    with override_settings(TIME_ZONE="Europe/Berlin"):
        html = timeline(client_for(agent), ticket.pk)

    # 08:30 UTC is 09:30 in Berlin in winter.
    assert "Verpasster Anruf: Rückruf fällig bis 04.12.2026 09:30" in html
