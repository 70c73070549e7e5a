"""The survey at the end of a solved chat, on the question the account asks (Settings → Account)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Page, expect

from channels_chat.models import Widget
from hub.actions import do_set_status
from hub.models import Account, Agent, Ticket, TicketEvent
from hub.models.account import SurveyScale
from hub.models.teams import Presence
from tests.browser import widget_fixtures
from tests.browser.axe import assert_accessible
from tests.browser.test_widget import agent_says, allow, wait_for
from tests.browser.widget_fixtures import LiveHub

live_hub = widget_fixtures.live_hub
host_page = widget_fixtures.host_page
browser_page = widget_fixtures.browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_account_asking_nps_asks_the_chat_visitor_0_to_10_and_records_a_recommendation(
    live_hub: LiveHub, host_page, browser_page: Page, team, agent: Agent
) -> None:
    Account.objects.update_or_create(pk=1, defaults={"survey_scale": SurveyScale.NPS})
    agent.presence = Presence.ONLINE
    agent.save(update_fields=["presence"])
    widget = Widget.objects.create(name="Shop", team=team, allowed_origins=[])
    url = host_page(live_hub, widget.key)
    allow(widget, url)
    page = browser_page

    page.goto(url)
    page.get_by_role("button", name="Chat öffnen").click()
    box = page.get_by_role("textbox", name="Nachricht")
    box.fill("Passt die Jacke auch in L?")
    box.press("Enter")
    ticket = wait_for(lambda: Ticket.objects.filter(origin_channel="chat").first())
    agent_says(ticket, agent, "Ja, L ist lieferbar.")
    expect(page.get_by_text("Ja, L ist lieferbar.")).to_be_visible(timeout=10000)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(do_set_status, ticket, "solved", actor=agent).result()

    survey = page.locator("hub-chat form.csat")
    expect(survey.locator("p").first).to_have_text("Wie wahrscheinlich ist es, dass Sie uns weiterempfehlen?")
    expect(survey.locator(".stars label")).to_have_count(11)
    expect(survey.get_by_text("0 = unwahrscheinlich")).to_be_visible()
    assert_accessible(page)
    survey.locator(".stars label").nth(9).click()
    page.get_by_role("button", name="Bewertung senden").click()
    expect(page.get_by_text("Danke für Ihre Bewertung!")).to_be_visible()

    event = wait_for(lambda: TicketEvent.objects.filter(ticket=ticket, kind="survey_answered").first())
    assert (event.data["rating"], event.data["scale"], event.data["channel"]) == (9, "nps", "chat")
