"""The live caller pop-up: who hears a ringing call, what they may see of the caller, and that it
closes when the call is answered or ends. Heard on the real channel layer's agent groups, as the
agents' websockets hear them (and once through the websocket itself)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from channels_phone.models import Call, PhoneNumber
from channels_phone.tests.conftest import ACCOUNT, CALLER, OUR_NUMBER, Generic, Twilio, call_params, sid
from hub import realtime
from hub.models import Agent, Customer, Identity, IdentityKind, Message, Role, Team, Ticket, TicketStatus
from hub.models.teams import Presence
from hub.tests.factories import AgentFactory, CustomerFactory, OrganizationFactory, TicketFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

VOICE, STATUS, DIAL = "/phone/twilio/voice/", "/phone/twilio/status/", "/phone/twilio/dial/"
QUIET = 0.4


async def listening(*groups: str) -> tuple[Any, str]:
    layer = get_channel_layer()
    name = await layer.new_channel()
    for group in groups:
        await layer.group_add(group, name)
    return layer, name


async def heard(agent: Agent) -> tuple[Any, str]:
    return await listening(realtime.agent_group(agent.pk))


async def next_event(layer: Any, name: str, timeout: float = 5, kind: str = "call.") -> dict[str, Any]:
    """The next call event (the agent group carries their tickets' events too)."""
    while True:
        event = dict(await asyncio.wait_for(layer.receive(name), timeout))
        if str(event.get("event", "")).startswith(kind):
            return event


async def hears_nothing(layer: Any, name: str, kind: str = "call.") -> bool:
    """No call event (of ``kind``) within a moment."""
    try:
        await next_event(layer, name, QUIET, kind)
    except TimeoutError:
        return True
    return False


def known_caller(team: Team, other_team: Team) -> tuple[Customer, Ticket, Ticket]:
    organization = OrganizationFactory.create(name="Braun Logistik GmbH", key_account=True)
    customer = CustomerFactory.create(
        display_name="Peter Braun", organization=organization, segment="Premium", language="de"
    )
    Identity.objects.create(customer=customer, kind=IdentityKind.PHONE, value=CALLER)
    ours = TicketFactory.create(customer=customer, team=team, subject="Lieferung fehlt", status=TicketStatus.OPEN)
    theirs = TicketFactory.create(
        customer=customer, team=other_team, subject="Rechnung doppelt", status=TicketStatus.OPEN
    )
    TicketFactory.create(customer=customer, team=team, subject="Längst erledigt", status=TicketStatus.SOLVED)
    return customer, ours, theirs


def online(team: Team, role: str = Role.AGENT, presence: str = Presence.ONLINE) -> Agent:
    return AgentFactory.create(teams=[team], role=role, presence=presence)


def status_params(call_sid: str, status: str) -> dict[str, str]:
    return {"AccountSid": ACCOUNT, "CallSid": call_sid, "CallStatus": status, "Direction": "inbound",
            "From": CALLER, "To": OUR_NUMBER}  # fmt: skip


def dial_params(call_sid: str, dial_status: str) -> dict[str, str]:
    return {**status_params(call_sid, "in-progress"), "DialCallSid": sid("CA", 0xD1A1), "DialCallStatus": dial_status}


async def test_a_call_from_a_known_number_pops_up_with_the_customer_and_only_the_open_tickets_the_agent_may_see(
    twilio: Twilio, number: PhoneNumber, team: Team, other_team: Team
) -> None:
    customer, ours, theirs = await database_sync_to_async(known_caller)(team, other_team)
    agent = await database_sync_to_async(online)(team)
    lead = await database_sync_to_async(online)(team, Role.LEAD)
    layer, agent_feed = await heard(agent)
    _layer, lead_feed = await heard(lead)

    await database_sync_to_async(twilio.post)(VOICE, call_params(sid("CA", 1)))

    popped = await next_event(layer, agent_feed)
    message = await database_sync_to_async(Message.objects.get)(channel="phone", external_id=sid("CA", 1))
    assert popped["event"] == "call.ringing"
    assert popped["caller"] == "+49 1512 3456789"
    assert popped["known"] is True
    assert popped["customer"] == {
        "id": customer.pk,
        "name": "Peter Braun",
        "segment": "Premium",
        "organization": "Braun Logistik GmbH",
        "key_account": True,
        "language": "DE",
    }
    assert popped["ticket_id"] == message.ticket_id
    # Their team's open ticket; not the other team's, not the solved one.
    assert popped["tickets"] == [{"id": ours.pk, "subject": "Lieferung fehlt"}]
    # A lead sees every ticket: both open ones, newest first.
    lead_popped = await next_event(layer, lead_feed)
    assert [t["id"] for t in lead_popped["tickets"]] == [theirs.pk, ours.pk]
    assert await hears_nothing(layer, agent_feed)


async def test_offline_agents_and_agents_of_other_teams_get_no_pop_up(
    twilio: Twilio, number: PhoneNumber, team: Team, other_team: Team
) -> None:
    await database_sync_to_async(known_caller)(team, other_team)
    away = await database_sync_to_async(online)(team, presence=Presence.OFFLINE)
    elsewhere = await database_sync_to_async(online)(other_team)
    on_duty = await database_sync_to_async(online)(team)
    layer, away_feed = await heard(away)
    _layer, elsewhere_feed = await heard(elsewhere)
    _layer, duty_feed = await heard(on_duty)

    await database_sync_to_async(twilio.post)(VOICE, call_params(sid("CA", 2)))

    assert (await next_event(layer, duty_feed))["event"] == "call.ringing"
    assert await hears_nothing(layer, away_feed)
    assert await hears_nothing(layer, elsewhere_feed)


async def test_a_replayed_voice_webhook_pops_up_once(twilio: Twilio, number: PhoneNumber, team: Team) -> None:
    agent = await database_sync_to_async(online)(team)
    layer, feed = await heard(agent)

    first = await database_sync_to_async(twilio.post)(VOICE, call_params(sid("CA", 3)))
    replay = await database_sync_to_async(twilio.post)(VOICE, call_params(sid("CA", 3)))

    assert first.status_code == replay.status_code == 200
    assert (await next_event(layer, feed))["event"] == "call.ringing"
    assert await hears_nothing(layer, feed)


async def test_an_unknown_number_pops_up_as_an_unknown_caller_with_the_customer_made_for_it(
    twilio: Twilio, number: PhoneNumber, team: Team
) -> None:
    agent = await database_sync_to_async(online)(team)
    layer, feed = await heard(agent)

    await database_sync_to_async(twilio.post)(VOICE, call_params(sid("CA", 4)))

    popped = await next_event(layer, feed)
    made = await database_sync_to_async(Customer.objects.get)(
        identities__kind=IdentityKind.PHONE, identities__value=CALLER
    )
    assert popped["known"] is False
    assert popped["caller"] == "+49 1512 3456789"
    assert popped["customer"]["id"] == made.pk
    assert popped["tickets"] == []
    assert popped["ticket_id"] > 0


async def test_the_pop_up_closes_when_an_agent_answers_and_again_when_the_call_ends(
    twilio: Twilio, number: PhoneNumber, team: Team
) -> None:
    agent = await database_sync_to_async(online)(team)
    layer, feed = await heard(agent)
    await database_sync_to_async(twilio.post)(VOICE, call_params(sid("CA", 5)))
    popped = await next_event(layer, feed)

    await database_sync_to_async(twilio.post)(f"{DIAL}?agent={agent.pk}", dial_params(sid("CA", 5), "completed"))

    closed = await next_event(layer, feed)
    call = await database_sync_to_async(Call.objects.get)(call_sid=sid("CA", 5))
    assert (closed["event"], closed["call"], closed["message_id"]) == ("call.over", call.pk, popped["message_id"])
    await database_sync_to_async(twilio.post)(STATUS, status_params(sid("CA", 5), "completed"))
    assert (await next_event(layer, feed))["event"] == "call.over"


async def test_a_call_that_ended_before_its_ticket_was_made_does_not_pop_up(
    twilio: Twilio, number: PhoneNumber, team: Team
) -> None:
    agent = await database_sync_to_async(online)(team)
    layer, feed = await heard(agent)

    # The status callback came first (its voice request was lost): the call is over already.
    await database_sync_to_async(twilio.post)(STATUS, status_params(sid("CA", 6), "completed"))

    assert await hears_nothing(layer, feed, "call.ringing")


async def test_a_call_over_the_generic_provider_pops_up_and_its_hangup_closes_it(
    generic_provider: Generic, generic_number: PhoneNumber, team: Team
) -> None:
    agent = await database_sync_to_async(online)(team)
    layer, feed = await heard(agent)
    new_call = {
        "event": "newCall",
        "direction": "in",
        "callId": "8f4e-call",
        "from": CALLER,
        "to": generic_number.number,
    }

    await database_sync_to_async(generic_provider.post)("/phone/generic/voice/", new_call)
    popped = await next_event(layer, feed)
    await database_sync_to_async(generic_provider.post)(
        "/phone/generic/status/", {"event": "hangup", "callId": "8f4e-call", "cause": "cancel"}
    )

    assert (popped["event"], popped["caller"], popped["known"]) == ("call.ringing", "+49 1512 3456789", False)
    closed = await next_event(layer, feed)
    assert (closed["event"], closed["call"]) == ("call.over", popped["call"])


def _session_cookie(agent: Agent) -> str:
    client = Client()
    client.force_login(agent.user)
    return client.cookies["sessionid"].value


async def test_a_lead_of_the_team_gets_the_pop_up_on_their_workspace_socket(
    twilio: Twilio, number: PhoneNumber, team: Team, online_agent: Callable[..., Agent]
) -> None:
    from hub.asgi import application

    lead = await database_sync_to_async(online)(team, Role.LEAD)
    cookie = await database_sync_to_async(_session_cookie)(lead)
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", f"sessionid={cookie}".encode())]
    ws = WebsocketCommunicator(application, "/ws/agent/", headers=headers)
    connected, _code = await ws.connect(timeout=5)
    assert connected
    try:
        await database_sync_to_async(twilio.post)(VOICE, call_params(sid("CA", 7)))
        frames: list[dict[str, Any]] = []
        while not any(f.get("type") == "call.ringing" for f in frames):
            frame = await ws.receive_json_from(timeout=5)
            frames.extend(frame["events"] if frame["type"] == "batch" else [frame])
        popped = next(f for f in frames if f["type"] == "call.ringing")
        assert popped["caller"] == "+49 1512 3456789"
    finally:
        await ws.disconnect()
