"""The workspace on a laptop (1280×720): the conversation gets most of the width with the
customer panel behind a toggle, a long subject is read rather than cut to a few characters,
the send button stays inside its column and the tab title carries the live count."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FloatRect, Page, expect

from hub.models import Agent, Team
from hub.tests.factories import CustomerFactory, IdentityFactory, MessageFactory, TicketFactory
from tests.browser.axe import assert_accessible
from tests.browser.conftest import signed_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "Lieferung fehlt seit drei Wochen, bitte dringend prüfen"
ADDRESS = "maximilian.mustermann-schulze@example-versandhandel.de"


def box(page: Page, selector: str) -> FloatRect:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def test_on_a_laptop_the_conversation_gets_the_width_and_nothing_is_cut_or_spills(
    browser, live_asgi, agent: Agent, team: Team
) -> None:
    customer = CustomerFactory.create(display_name="Maximilian Mustermann-Schulze")
    IdentityFactory.create(customer=customer, kind="email", value=ADDRESS)
    for n in range(3):
        ticket = TicketFactory.create(
            team=team, assignee=agent, customer=customer, origin_channel="email", subject=f"{SUBJECT} {n}"
        )
        MessageFactory.create(ticket=ticket, channel="email", sender=ADDRESS, text="Mein Paket ist nicht angekommen.")
    context = signed_in_context(browser, live_asgi.url, agent)
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 720})

    page.goto(f"/agent/v/mine/t/{ticket.pk}/")
    expect(page.locator("#ticket-title")).to_contain_text(SUBJECT)
    assert_accessible(page)

    conversation = box(page, "main.conversation")
    assert conversation["width"] > 1280 / 2
    assert conversation["width"] > box(page, "#list")["width"] + box(page, "#nav")["width"]
    # The customer panel is a drawer behind its toggle, and opens over the conversation.
    expect(page.locator("#customer")).to_be_hidden()
    toggle = page.locator(".customer-toggle")
    expect(toggle).to_be_visible()
    toggle.click()
    expect(page.locator("#customer")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # The customer drawer open over the conversation.
    assert_accessible(page)
    toggle.click()
    expect(page.locator("#customer")).to_be_hidden()

    # The subject is shown whole (it wraps), not cut after a few characters.
    title = page.locator("#ticket-title")
    assert title.evaluate("h => h.scrollHeight <= h.clientHeight + 1 && h.scrollWidth <= h.clientWidth + 1")
    assert box(page, "#ticket-title")["width"] > conversation["width"] / 2
    # So is a list row's subject, up to a good part of the row.
    assert box(page, "#list .row-subject")["width"] > 250

    # The send button names the long address but stays inside the composer's column.
    send = page.locator("#composer button.send")
    expect(send).to_contain_text("Senden an")
    button, composer = box(page, "#composer button.send"), box(page, "#composer")
    assert button["x"] >= composer["x"] and button["x"] + button["width"] <= composer["x"] + composer["width"] + 0.5
    assert button["y"] + button["height"] <= 720

    # The tab says how much is waiting in the view: the live count in front.
    expect(page).to_have_title(re.compile(rf"^\(3\) #{ticket.pk} {SUBJECT}"))
    page.locator("#ticket-header select[name=assignee]").select_option("")
    expect(page).to_have_title(re.compile(rf"^\(2\) #{ticket.pk} {SUBJECT}"))
    context.close()
