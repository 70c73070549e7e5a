"""Click-to-call in a real browser: the agent clicks "Anrufen" in a phone ticket's header, reads
that their phone is ringing, and the outgoing call appears on the timeline live, then shows how
it went when the provider reports it."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from playwright.sync_api import expect

from channels_phone.models import AgentLine, PhoneNumber, ProviderKind
from channels_phone.tests.conftest import (
    ACCOUNT,
    CALLER,
    OUR_NUMBER,
    TOKEN,
    FakeProvider,
    Twilio,
    call_params,
    provider_api,  # noqa: F401  (the provider's REST API on 127.0.0.1)
    sid,
    site,  # noqa: F401  (autouse: the webhooks' public URL, numbers forgotten)
)
from hub.models import Agent, Message, Team
from hub.models.teams import Presence
from hub.tests.factories import AgentFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
CALLS = f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
OUT_SID = sid("CA", 0xC0FFEE)


def webhook(path: str, params: dict[str, str]) -> None:
    """Twilio posts its signed webhook from a thread of its own (this one runs Playwright's loop)."""

    def run() -> Any:
        try:
            return Twilio(Client()).post(path, params)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        response = pool.submit(run).result()
    assert response.status_code == 200, response.content


def test_an_agent_clicks_call_hears_their_phone_ring_and_sees_the_call_on_the_ticket_live(
    new_page,
    team: Team,
    provider_api: FakeProvider,  # noqa: F811
) -> None:
    PhoneNumber.objects.create(
        number=OUR_NUMBER, provider=ProviderKind.TWILIO, account_sid=ACCOUNT, auth_token=TOKEN, team=team
    )
    agent: Agent = AgentFactory.create(teams=[team], presence=Presence.ONLINE, language="de")
    AgentLine.objects.create(agent=agent, phone="+4917612345678")
    webhook("/phone/twilio/voice/", call_params(sid("CA", 1)))
    ticket_id = Message.objects.get(channel="phone", external_id=sid("CA", 1)).ticket_id
    accepted = {"sid": OUT_SID, "status": "queued", "account_sid": ACCOUNT}
    provider_api.on("POST", CALLS, (201, {"Content-Type": "application/json"}, json.dumps(accepted).encode()))
    page = new_page(agent)
    page.goto(f"/agent/v/teams/t/{ticket_id}/")
    expect(page.locator("body")).to_have_attribute("data-live", "open")
    expect(page.locator("#customer").get_by_role("button", name="+49 1512 3456789 anrufen")).to_be_visible()
    assert_accessible(page)

    page.locator("#ticket-header").get_by_role("button", name="Anrufen +49 1512 3456789").click()

    expect(page.locator("#composer-notice")).to_contain_text("Ihr Telefon klingelt")
    outgoing = page.locator("#timeline .item.call.out")
    expect(outgoing).to_have_count(1)
    expect(outgoing).to_contain_text("Ausgehender Anruf")
    assert_accessible(page)  # the ringing notice and the outgoing call on the timeline
    page.screenshot(path=str(SHOTS / "click-to-call.png"))
    assert provider_api.requests("POST", CALLS)[0].form["To"] == "+4917612345678"

    status = provider_api.requests("POST", CALLS)[0].form["StatusCallback"].split("hub.example.com", 1)[1]
    leg = {"CallSid": OUT_SID, "From": OUR_NUMBER, "To": "+4917612345678", "Direction": "outbound-api"}
    webhook(status, {**leg, "AccountSid": ACCOUNT, "CallStatus": "busy"})
    expect(outgoing).to_contain_text("Besetzt")
    assert_accessible(page)
    assert CALLER in Message.objects.get(external_id=OUT_SID).metadata["to"]
