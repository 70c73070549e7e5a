"""The live caller pop-up in a real browser: a call from a known number, posted as Twilio's signed
voice webhook, pops up in the agent's workspace with the customer's name; one click opens the
call's ticket; it closes when the call is answered, and Escape dismisses it."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from playwright.sync_api import Page, expect

from channels_phone.models import PhoneNumber, ProviderKind
from channels_phone.tests.conftest import (
    ACCOUNT,
    CALLER,
    OUR_NUMBER,
    TOKEN,
    Twilio,
    call_params,
    sid,
    site,  # noqa: F401  (autouse: the webhooks' public URL, numbers forgotten)
)
from hub.models import Agent, Identity, IdentityKind, Message, NotificationSettings, Team, TicketStatus
from hub.models.teams import Presence
from hub.tests.factories import AgentFactory, CustomerFactory, TicketFactory
from tests.browser.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-results"
VOICE, DIAL = "/phone/twilio/voice/", "/phone/twilio/dial/"


@pytest.fixture
def on_duty(team: Team) -> Agent:
    twilio = ProviderKind.TWILIO
    PhoneNumber.objects.create(number=OUR_NUMBER, provider=twilio, account_sid=ACCOUNT, auth_token=TOKEN, team=team)
    return AgentFactory.create(teams=[team], presence=Presence.ONLINE, language="de")


def webhook(path: str, params: dict[str, str]) -> None:
    """Twilio posts its signed webhook, in a thread of its own as a web worker would (this thread
    runs Playwright's event loop, where the pipeline's on-commit push may not run)."""

    def run() -> Any:
        try:
            return Twilio(Client()).post(path, params)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        response = pool.submit(run).result()
    assert response.status_code == 200, response.content


def workspace(page: Page) -> None:
    page.goto("/agent/v/teams/")
    expect(page.locator("body")).to_have_attribute("data-live", "open")


def test_a_call_from_a_known_number_pops_up_in_the_agents_workspace_and_opens_the_ticket(
    new_page, team: Team, on_duty: Agent
) -> None:
    customer = CustomerFactory.create(display_name="Peter Braun", segment="Premium", language="de")
    Identity.objects.create(customer=customer, kind=IdentityKind.PHONE, value=CALLER)
    older = TicketFactory.create(customer=customer, team=team, subject="Lieferung fehlt", status=TicketStatus.OPEN)
    page = new_page(on_duty)
    workspace(page)

    webhook(VOICE, call_params(sid("CA", 1)))

    pop = page.get_by_role("region", name="Eingehende Anrufe").locator(".call-pop")
    expect(pop).to_have_count(1)
    expect(pop).to_contain_text("Peter Braun")
    expect(pop).to_contain_text("+49 1512 3456789")
    expect(pop).to_contain_text("Premium")
    expect(pop.get_by_role("link", name=f"#{older.pk} Lieferung fehlt")).to_be_visible()
    expect(pop.get_by_role("button", name="Schließen")).to_be_visible()
    assert_accessible(page)  # the workspace with the pop-up open
    page.screenshot(path=str(SHOTS / "call-popup.png"))
    ticket_id = Message.objects.get(channel="phone", external_id=sid("CA", 1)).ticket_id

    pop.get_by_role("link", name=f"Ticket #{ticket_id} öffnen").click()

    expect(page).to_have_url(re.compile(rf"/t/{ticket_id}/$"))
    expect(page.locator("#ticket")).to_have_attribute("data-ticket-id", str(ticket_id))
    assert_accessible(page)


def test_the_pop_up_goes_when_the_call_is_answered_and_escape_dismisses_the_next(
    new_page, team: Team, on_duty: Agent
) -> None:
    page = new_page(on_duty)
    workspace(page)
    pops = page.locator("#call-pops .call-pop")

    webhook(VOICE, call_params(sid("CA", 2)))
    expect(pops).to_contain_text("Unbekannter Anrufer")
    assert_accessible(page)  # the pop-up of an unknown caller
    answered = {"CallSid": sid("CA", 2), "DialCallStatus": "completed", "DialCallSid": sid("CA", 0xD1A1)}
    webhook(f"{DIAL}?agent={on_duty.pk}", {**call_params(sid("CA", 2), "in-progress"), **answered})
    expect(pops).to_have_count(0)

    webhook(VOICE, call_params(sid("CA", 3), From="+4915199999999", Caller="+4915199999999"))
    expect(pops).to_have_count(1)
    page.locator("body").press("Escape")
    expect(pops).to_have_count(0)


def test_an_english_speaking_agent_reads_the_pop_up_in_english(new_page, team: Team, on_duty: Agent) -> None:
    on_duty.language = "en"
    on_duty.save(update_fields=["language"])
    page = new_page(on_duty, locale="en-US")
    workspace(page)

    webhook(VOICE, call_params(sid("CA", 4)))

    pop = page.get_by_role("region", name="Incoming calls").locator(".call-pop")
    expect(pop).to_contain_text("Incoming call")
    expect(pop).to_contain_text("Unknown caller")
    ticket_id = Message.objects.get(channel="phone", external_id=sid("CA", 4)).ticket_id
    expect(pop.get_by_role("link", name=f"Open ticket #{ticket_id}")).to_be_visible()
    expect(pop.get_by_role("button", name="Dismiss")).to_be_visible()
    assert_accessible(page)


TONES = """
window.tones = 0;
const make = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.tones += 1; return make.call(this); };
"""


def counting_tones(page: Page, tabs: int = 1) -> list[Page]:
    """The workspace in ``tabs`` tabs of one browser, each clicked once (the gesture browsers ask
    for before a page may sound), counting the tones they make (two notes each), with their clock
    stopped: time moves on ``run_for``."""
    page.context.add_init_script(TONES)
    page.clock.install()
    pages = [page, *(page.context.new_page() for _ in range(tabs - 1))]
    for tab in pages:
        workspace(tab)
        tab.locator("body").click()
    page.clock.pause_at(time.time() * 1000 + 1000)
    return pages


def heard(pages: list[Page], tones: int) -> None:
    """All tabs together made ``tones`` tones, and no more came a moment later (a tab starts
    ringing once it holds the call's lock, a moment after its pop-up shows)."""
    count = lambda: sum(int(tab.evaluate("window.tones")) for tab in pages)  # noqa: E731
    deadline = time.monotonic() + 5
    while count() < tones and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert count() == tones


def test_a_ringing_call_rings_again_and_again_until_its_pop_up_goes(new_page, team: Team, on_duty: Agent) -> None:
    [page] = counting_tones(new_page(on_duty))

    webhook(VOICE, call_params(sid("CA", 5)))
    expect(page.locator("#call-pops .call-pop")).to_have_count(1)
    heard([page], 2)  # at once
    page.clock.run_for(3000)
    heard([page], 4)  # and again, as a phone rings

    page.locator("body").press("Escape")
    page.clock.run_for(9000)

    heard([page], 4)  # dismissed: silent


def test_an_agent_with_the_workspace_in_two_tabs_hears_one_phone_ringing(new_page, team: Team, on_duty: Agent) -> None:
    tabs = counting_tones(new_page(on_duty), tabs=2)

    webhook(VOICE, call_params(sid("CA", 8)))
    for tab in tabs:
        expect(tab.locator("#call-pops .call-pop")).to_have_count(1)  # both show the call
    heard(tabs, 2)
    tabs[0].clock.run_for(3000)
    heard(tabs, 4)

    # The tab that rings is dismissed: the call stops ringing, the other tab does not take over.
    ringing = next(tab for tab in tabs if tab.evaluate("window.tones") > 0)
    ringing.locator("body").press("Escape")
    tabs[0].clock.run_for(9000)
    heard(tabs, 4)


def test_an_agent_who_turned_sound_off_sees_the_call_and_hears_nothing(new_page, team: Team, on_duty: Agent) -> None:
    NotificationSettings.objects.update_or_create(agent=on_duty, defaults={"chat_sound": False})
    [page] = counting_tones(new_page(on_duty))

    webhook(VOICE, call_params(sid("CA", 6)))
    expect(page.locator("#call-pops .call-pop")).to_have_count(1)
    page.clock.run_for(6000)

    heard([page], 0)


def test_before_any_click_the_pop_up_says_the_sound_is_off_and_a_click_turns_it_on(
    new_page, team: Team, on_duty: Agent
) -> None:
    page = new_page(on_duty)
    workspace(page)  # loaded, nothing clicked yet: the browser lets the page make no sound

    webhook(VOICE, call_params(sid("CA", 7)))

    pop = page.locator("#call-pops .call-pop")
    expect(pop).to_contain_text("Ton ist aus, bis Sie einmal irgendwo auf diese Seite klicken.")
    page.locator("#timeline, #list").first.click()
    expect(pop.locator(".sound-off")).to_have_count(0)
    expect(pop).to_have_count(1)  # the call itself still rings on screen
