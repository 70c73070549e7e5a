"""A missed call under an SLA policy is to be called back when the policy's response is due; an
answered call is the response."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from channels_phone.models import PhoneNumber
from channels_phone.tests.conftest import Twilio, call_params, sid
from channels_phone.tests.test_call_progress import DIAL, STATUS, VOICE, call_message, dial_params, status_params
from hub.actions.sla import do_save_sla_policy
from hub.models import Agent, EventKind, SlaClock, SlaState, Team, TicketEvent
from hub.sla.policies import normalize_policy

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def policy(db: None) -> None:
    values = normalize_policy(name="Telefon", targets={"first_response": {"2": 30}, "resolution": {"2": 480}})
    do_save_sla_policy(actor=None, policy=None, values=values)


def test_a_missed_call_is_due_for_a_callback_when_the_policys_first_response_is_due(
    twilio: Twilio, number: PhoneNumber, policy: None
) -> None:
    call_sid = sid("CA", 0x51A)
    before = timezone.now()
    twilio.post(VOICE, call_params(call_sid))

    twilio.post(STATUS, status_params(call_sid, "completed", 2, CallDuration="9"))

    message = call_message(call_sid)
    event = TicketEvent.objects.get(ticket=message.ticket, kind=EventKind.CALLBACK_DUE)
    due = datetime.fromisoformat(event.data["due_at"])
    first = SlaClock.objects.get(ticket=message.ticket, target="first_response")
    assert due == first.due_at  # the policy's 30 minutes, not the channel's default of two hours
    assert before + timedelta(minutes=29) < due <= timezone.now() + timedelta(minutes=30)


def test_an_answered_call_meets_the_first_response(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent], policy: None
) -> None:
    agent = online_agent(team, phone="+4930222222")
    call_sid = sid("CA", 0x51B)
    twilio.post(VOICE, call_params(call_sid))

    twilio.post(f"{DIAL}?agent={agent.pk}", dial_params(call_sid, "completed"))
    twilio.post(STATUS, status_params(call_sid, "completed", 3, CallDuration="61"))

    ticket = call_message(call_sid).ticket
    first = SlaClock.objects.get(ticket=ticket, target="first_response")
    assert first.state == SlaState.MET and first.breached_at is None
    ticket.refresh_from_db()
    assert ticket.first_response_due is None
    assert not TicketEvent.objects.filter(kind=EventKind.CALLBACK_DUE).exists()
